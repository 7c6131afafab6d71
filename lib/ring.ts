/** Fixed-capacity FIFO: the oldest item falls out when a new one arrives at capacity. */
export class RingBuffer<T> {
  private items: (T | undefined)[];
  private start = 0;
  private length = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("capacity must be a positive integer");
    this.items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.length;
  }

  push(item: T): void {
    const end = (this.start + this.length) % this.capacity;
    this.items[end] = item;
    if (this.length < this.capacity) this.length++;
    else this.start = (this.start + 1) % this.capacity;
  }

  at(index: number): T | undefined {
    if (index < 0 || index >= this.length) return undefined;
    return this.items[(this.start + index) % this.capacity];
  }

  last(): T | undefined {
    return this.at(this.length - 1);
  }

  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.items[(this.start + i) % this.capacity] as T);
    return out;
  }

  /**
   * Items from the first index where `isAfter` turns true (items must be sorted by that key),
   * at most `limit` of them: the oldest such items, or the newest.
   */
  slice(isAfter: (item: T) => boolean, limit = Infinity, end: "oldest" | "newest" = "oldest"): T[] {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (isAfter(this.at(mid) as T)) hi = mid;
      else lo = mid + 1;
    }
    const from = end === "oldest" ? lo : Math.max(lo, this.length - limit);
    const to = end === "oldest" ? Math.min(this.length, lo + limit) : this.length;
    const out: T[] = [];
    for (let i = from; i < to; i++) out.push(this.at(i) as T);
    return out;
  }

  clear(): void {
    this.items = new Array<T | undefined>(this.capacity);
    this.start = 0;
    this.length = 0;
  }
}
