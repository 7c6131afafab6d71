/**
 * Paces hops for human eyes. Brokers move a message in microseconds; the audience needs each
 * hop on screen for a fraction of a second. Hops of one message animate one after another,
 * different messages may overlap, and when the picture falls too far behind it catches up at
 * once rather than freezing or dropping anything from the record.
 */
export interface Pace {
  /** Minimum time between two flights starting, at 1×. */
  gapMs: number;
  /** Time a dot takes to travel an edge, at 1×. */
  travelMs: number;
  /** Beyond this lag the queue is revealed at once. */
  maxLagMs: number;
  /** How far down the queue to look for a message that is free to move. */
  lookahead: number;
  /** Paused or slowed, at most this many hops wait; older ones are shown without animation. */
  maxBacklog: number;
}

export const DEFAULT_PACE: Pace = { gapMs: 90, travelMs: 520, maxLagMs: 6000, lookahead: 64, maxBacklog: 5000 };

export interface Flight<T> {
  item: T;
  startAt: number;
  endAt: number;
}

export interface Tick<T> {
  /** Items whose animation began (or was skipped) this tick, in start order. */
  revealed: T[];
  /** Items skipped to catch up with live traffic. */
  skipped: number;
}

interface Queued<T> {
  item: T;
  arrivedAt: number;
}

export class AnimationQueue<T> {
  private queue: Queued<T>[] = [];
  private active: Flight<T>[] = [];
  private nextStartAt = 0;
  private busyUntil = new Map<string, number>();
  private paused = false;

  constructor(
    private readonly keyOf: (item: T) => string,
    private readonly pace: Pace = DEFAULT_PACE,
    private speed = 1,
  ) {}

  setSpeed(speed: number): void {
    this.speed = Math.min(1, Math.max(0.1, speed));
  }

  get currentSpeed(): number {
    return this.speed;
  }

  /** Paused, nothing new takes off; flights in the air land. */
  setPaused(paused: boolean): void {
    this.paused = paused;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /**
   * Sends the oldest queued hop on its way now, paused or not: the presenter walks through a
   * burst hop by hop. It waits behind nothing, so a message's hops still play in their order.
   */
  step(now: number): T | null {
    const next = this.queue.shift();
    if (!next) return null;
    const flight = { item: next.item, startAt: now, endAt: now + this.pace.travelMs / this.speed };
    this.active.push(flight);
    this.busyUntil.set(this.keyOf(next.item), flight.endAt);
    this.nextStartAt = now + this.pace.gapMs / this.speed;
    return next.item;
  }

  push(items: readonly T[], now: number): void {
    for (const item of items) this.queue.push({ item, arrivedAt: now });
  }

  get backlog(): number {
    return this.queue.length;
  }

  lagMs(now: number): number {
    const head = this.queue[0];
    return head ? now - head.arrivedAt : 0;
  }

  flights(): readonly Flight<T>[] {
    return this.active;
  }

  tick(now: number): Tick<T> {
    const revealed: T[] = [];
    this.active = this.active.filter((f) => f.endAt > now);
    // Held back on purpose, the queue still must not grow without end.
    const excess = this.queue.length - this.pace.maxBacklog;
    if (excess > 0) {
      for (const q of this.queue.splice(0, excess)) revealed.push(q.item);
      if (this.paused) return { revealed, skipped: excess };
    }
    const skippedForRoom = Math.max(0, excess);
    if (this.paused) return { revealed, skipped: 0 };
    // Only at full speed does the picture catch up by itself: slowed down on purpose, it stays
    // behind and says so, until the presenter jumps to now.
    if (this.speed >= 1 && this.lagMs(now) > this.pace.maxLagMs) {
      const skipped = this.queue.length + skippedForRoom;
      for (const q of this.queue) revealed.push(q.item);
      this.queue = [];
      this.busyUntil.clear();
      return { revealed, skipped };
    }
    const gap = this.pace.gapMs / this.speed;
    const travel = this.pace.travelMs / this.speed;
    while (this.queue.length > 0 && now >= this.nextStartAt) {
      const index = this.firstFree(now);
      if (index < 0) break;
      const [{ item }] = this.queue.splice(index, 1) as [Queued<T>];
      const flight = { item, startAt: now, endAt: now + travel };
      this.active.push(flight);
      this.busyUntil.set(this.keyOf(item), flight.endAt);
      revealed.push(item);
      this.nextStartAt = now + gap;
    }
    if (this.busyUntil.size > 4 * this.pace.lookahead) {
      for (const [key, until] of this.busyUntil) if (until <= now) this.busyUntil.delete(key);
    }
    return { revealed, skipped: skippedForRoom };
  }

  /** Reveals everything queued now, e.g. when the presenter jumps to live. */
  flush(): T[] {
    const items = this.queue.map((q) => q.item);
    this.queue = [];
    this.active = [];
    this.busyUntil.clear();
    return items;
  }

  private firstFree(now: number): number {
    const limit = Math.min(this.queue.length, this.pace.lookahead);
    const seen = new Set<string>();
    for (let i = 0; i < limit; i++) {
      const key = this.keyOf((this.queue[i] as Queued<T>).item);
      // An earlier hop of the same message still waiting keeps its successors in order.
      if (seen.has(key)) continue;
      seen.add(key);
      if ((this.busyUntil.get(key) ?? 0) <= now) return i;
    }
    return -1;
  }
}
