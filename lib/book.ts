/**
 * Bounded memory of records by id, and of the ids seen before the last reset.
 * An open record (its counts may still change) is kept until it settles, so that however long a
 * message waits in a queue, its later hops count. Only a flow whose messages never settle (a
 * publish that nothing completes) fills the open book; past `capacity` its oldest half is
 * forgotten in one pass, as evicting one by one from the front of a Map degrades while deleted
 * slots pile up there.
 * A settled record stays for a window of the `capacity / 2` latest settlements, for the late
 * hops a settled message still gets (a copy to another subscriber, a duplicate after a
 * rebalance). The window is a ring: its memory is flat, not a sawtooth.
 */
export class Book<V> {
  private open = new Map<string, V>();
  private settled = new Map<string, V>();
  /** Ids in the order they settled; grown up to `window`, then overwritten oldest first. */
  private settledOrder: string[] = [];
  private nextSlot = 0;
  private readonly window: number;
  private beforeReset = new Set<string>();

  constructor(
    private readonly capacity: number,
    private readonly create: () => V,
  ) {
    this.window = Math.max(1, Math.floor(capacity / 2));
  }

  /** Seen before the last reset: its late hops must not count in the fresh ledger. */
  retired(id: string): boolean {
    return this.beforeReset.has(id);
  }

  /** The record of `id`, if one is kept; unlike `recall`, makes none. */
  peek(id: string): V | undefined {
    return this.open.get(id) ?? this.settled.get(id);
  }

  recall(id: string): V {
    const known = this.open.get(id) ?? this.settled.get(id);
    if (known !== undefined) return known;
    const record = this.create();
    this.open.set(id, record);
    if (this.open.size > this.capacity) this.forgetOldestOpen();
    return record;
  }

  /** Its counts are final: it moves from the open book to the window of settled records. */
  settle(id: string): void {
    const record = this.open.get(id);
    if (record === undefined) return;
    this.open.delete(id);
    if (this.settledOrder.length < this.window) this.settledOrder.push(id);
    else {
      const evicted = this.settledOrder[this.nextSlot];
      if (evicted !== undefined) this.settled.delete(evicted);
      this.settledOrder[this.nextSlot] = id;
      this.nextSlot = (this.nextSlot + 1) % this.window;
    }
    this.settled.set(id, record);
  }

  private forgetOldestOpen(): void {
    let excess = Math.ceil(this.open.size / 2);
    // Deleting while iterating a Map is safe; insertion order makes these the oldest.
    for (const id of this.open.keys()) {
      if (excess-- <= 0) break;
      this.open.delete(id);
    }
  }

  reset(): void {
    // Settled ones too: a slow consumer's late reply must not count in the fresh ledger.
    const current = [...this.open.keys(), ...this.settled.keys()];
    this.beforeReset = new Set([...this.beforeReset, ...current]);
    if (this.beforeReset.size > this.capacity + this.window) this.beforeReset = new Set(current);
    this.open = new Map();
    this.settled = new Map();
    this.settledOrder = [];
    this.nextSlot = 0;
  }

  get size(): number {
    return this.open.size + this.settled.size;
  }
}
