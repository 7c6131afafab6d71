import { describe, expect, test } from "vitest";
import { RingBuffer } from "./ring";

describe("ring buffer", () => {
  test("keeps the newest items up to its capacity", () => {
    const ring = new RingBuffer<number>(3);
    for (let i = 1; i <= 5; i++) ring.push(i);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect(ring.size).toBe(3);
    expect(ring.last()).toBe(5);
    expect(ring.at(0)).toBe(3);
    expect(ring.at(3)).toBeUndefined();
  });

  test("slice finds the items after a sorted key, oldest or newest first within a limit", () => {
    const ring = new RingBuffer<{ seq: number }>(4);
    for (let seq = 1; seq <= 6; seq++) ring.push({ seq });
    const seqs = (items: { seq: number }[]) => items.map((x) => x.seq);
    expect(seqs(ring.slice((x) => x.seq > 4))).toEqual([5, 6]);
    expect(seqs(ring.slice((x) => x.seq > 0))).toEqual([3, 4, 5, 6]);
    expect(seqs(ring.slice((x) => x.seq > 0, 2))).toEqual([3, 4]);
    expect(seqs(ring.slice((x) => x.seq > 3, 2))).toEqual([4, 5]);
    expect(seqs(ring.slice((x) => x.seq > 0, 1, "newest"))).toEqual([6]);
    expect(ring.slice((x) => x.seq > 9)).toEqual([]);
  });

  test("rejects a capacity that is not a positive integer, and clears", () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
    const ring = new RingBuffer<number>(2);
    ring.push(1);
    ring.clear();
    expect(ring.toArray()).toEqual([]);
  });
});
