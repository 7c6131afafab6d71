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

  test("tailFrom finds the items after a sorted key, with a limit", () => {
    const ring = new RingBuffer<{ seq: number }>(4);
    for (let seq = 1; seq <= 6; seq++) ring.push({ seq });
    expect(ring.tailFrom((x) => x.seq > 4).map((x) => x.seq)).toEqual([5, 6]);
    expect(ring.tailFrom((x) => x.seq > 0).map((x) => x.seq)).toEqual([3, 4, 5, 6]);
    expect(ring.tailFrom((x) => x.seq > 0, 1).map((x) => x.seq)).toEqual([6]);
    expect(ring.tailFrom((x) => x.seq > 9)).toEqual([]);
  });

  test("rejects a capacity that is not a positive integer, and clears", () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
    const ring = new RingBuffer<number>(2);
    ring.push(1);
    ring.clear();
    expect(ring.toArray()).toEqual([]);
  });
});
