/**
 * Hops reach the server from several processes, each over its own IPC pipe, so arrival order
 * can differ from the order things happened. The reorder window holds each hop briefly and
 * releases hops sorted by their wall-clock `at`, which all processes on one host share.
 */
export interface Timed {
  at: number;
}

export class ReorderWindow<T extends Timed> {
  private pending: T[] = [];

  /** `extraMs`: how much longer an item waits, for items whose stragglers tend to come later. */
  constructor(
    private readonly windowMs: number,
    private readonly extraMs: (item: T) => number = () => 0,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  add(item: T): void {
    this.pending.push(item);
  }

  /** Everything at least `windowMs` old at `now`, and whatever `force` picks, oldest first. */
  release(now: number, force?: (item: T) => boolean): T[] {
    if (this.pending.length === 0) return [];
    const cutoff = now - this.windowMs;
    const ready: T[] = [];
    const waiting: T[] = [];
    for (const item of this.pending) (item.at <= cutoff - this.extraMs(item) || force?.(item) ? ready : waiting).push(item);
    this.pending = waiting;
    return sortByTime(ready);
  }

  /** Everything, oldest first: used on shutdown and reset so nothing is lost. */
  drain(): T[] {
    const all = this.pending;
    this.pending = [];
    return sortByTime(all);
  }
}

// The sort is stable, so hops with equal timestamps keep their arrival order.
function sortByTime<T extends Timed>(items: T[]): T[] {
  return items.sort((a, b) => a.at - b.at);
}
