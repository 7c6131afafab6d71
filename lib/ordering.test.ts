import { describe, expect, test } from "vitest";
import { ReorderWindow } from "./ordering";

describe("reorder window", () => {
  test("releases hops in time order once they are old enough", () => {
    const w = new ReorderWindow<{ at: number; name: string }>(10);
    w.add({ at: 105, name: "delivered" });
    w.add({ at: 100, name: "published" });
    w.add({ at: 118, name: "replied" });
    expect(w.release(115).map((x) => x.name)).toEqual(["published", "delivered"]);
    expect(w.size).toBe(1);
    expect(w.release(127)).toEqual([]);
    expect(w.release(128).map((x) => x.name)).toEqual(["replied"]);
  });

  test("a straggler is released late rather than dropped", () => {
    const w = new ReorderWindow<{ at: number }>(5);
    w.add({ at: 10 });
    expect(w.release(20)).toHaveLength(1);
    w.add({ at: 1 });
    expect(w.release(20)).toEqual([{ at: 1 }]);
  });

  test("force releases chosen items early, in time order with the rest", () => {
    const w = new ReorderWindow<{ at: number; s: string }>(100);
    w.add({ at: 50, s: "a" });
    w.add({ at: 40, s: "b" });
    w.add({ at: 10, s: "a" });
    expect(w.release(60, (x) => x.s === "a").map((x) => x.at)).toEqual([10, 50]);
    expect(w.size).toBe(1);
  });

  test("equal timestamps keep arrival order, and drain empties everything", () => {
    const w = new ReorderWindow<{ at: number; n: number }>(100);
    w.add({ at: 5, n: 1 });
    w.add({ at: 5, n: 2 });
    w.add({ at: 4, n: 0 });
    expect(w.drain().map((x) => x.n)).toEqual([0, 1, 2]);
    expect(w.size).toBe(0);
  });

  test("an item given extra time waits for a straggler from another process that happened before it", () => {
    const w = new ReorderWindow<{ at: number; s: string }>(10, (x) => (x.s === "answer" ? 40 : 0));
    w.add({ at: 100, s: "answer" });
    expect(w.release(115)).toEqual([]);
    // The far side's report arrives 25 ms late, still in time to be drawn first.
    w.add({ at: 99, s: "work" });
    expect(w.release(120).map((x) => x.s)).toEqual(["work"]);
    expect(w.release(150).map((x) => x.s)).toEqual(["answer"]);
  });
});
