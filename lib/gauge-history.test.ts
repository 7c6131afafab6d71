import { describe, expect, test } from "vitest";
import { GaugeHistory } from "./gauge-history";
import { sparklineShape } from "./sparkline";

const T0 = 1_700_000_000_000;

describe("gauge history", () => {
  test("keeps each gauge's readings aligned on the reads, oldest first", () => {
    const history = new GaugeHistory(10);
    history.push(T0, { "q:jobs": { ready: 0, consumers: 2 } });
    history.push(T0 + 1_000, { "q:jobs": { ready: 4, consumers: 2 } });
    history.push(T0 + 2_000, { "q:jobs": { ready: 9 } });
    expect(history.points("q:jobs", "ready")).toEqual([
      [T0, 0],
      [T0 + 1_000, 4],
      [T0 + 2_000, 9],
    ]);
    // A read that did not report a gauge leaves a gap, not a zero.
    expect(history.points("q:jobs", "consumers")).toEqual([
      [T0, 2],
      [T0 + 1_000, 2],
    ]);
    expect(history.gaugesOf("q:jobs")).toEqual(["ready", "consumers"]);
    expect(history.lastAt).toBe(T0 + 2_000);
  });

  test("a gauge that appears later has no readings before it appeared", () => {
    const history = new GaugeHistory(10);
    history.push(T0, { a: { n: 1 } });
    history.push(T0 + 1_000, { a: { n: 2 }, "worker-2": { pending: 5 } });
    expect(history.toJSON().series).toEqual([
      { id: "a", gauge: "n", values: [1, 2] },
      { id: "worker-2", gauge: "pending", values: [null, 5] },
    ]);
  });

  test("holds at most its capacity of reads: the oldest fall out", () => {
    const history = new GaugeHistory(300);
    for (let i = 0; i < 1_000; i++) history.push(T0 + i * 1_000, { q: { depth: i } });
    const points = history.points("q", "depth");
    expect(points).toHaveLength(300);
    expect(points[0]).toEqual([T0 + 700_000, 700]);
    expect(points.at(-1)).toEqual([T0 + 999_000, 999]);
    expect(history.toJSON().times).toHaveLength(300);
  });

  test("forgets a gauge once no read in the window reported it, and bounds how many it keeps", () => {
    const history = new GaugeHistory(3, 2);
    history.push(T0, { "worker-1": { pending: 1 } });
    history.push(T0 + 1, { "worker-2": { pending: 1 }, "worker-3": { pending: 1 } });
    // Full: worker-3 is not recorded while worker-1 and worker-2 are.
    expect(history.toJSON().series.map((s) => s.id)).toEqual(["worker-1", "worker-2"]);
    history.push(T0 + 2, { "worker-2": { pending: 2 } });
    history.push(T0 + 3, { "worker-2": { pending: 3 } });
    expect(history.toJSON().series.map((s) => s.id)).toEqual(["worker-2"]);
    history.push(T0 + 4, { "worker-2": { pending: 4 }, "worker-3": { pending: 7 } });
    expect(history.points("worker-3", "pending")).toEqual([[T0 + 4, 7]]);
  });

  test("ignores a read no newer than the last, and clears", () => {
    const history = new GaugeHistory(5);
    history.push(T0 + 1_000, { q: { depth: 1 } });
    history.push(T0 + 1_000, { q: { depth: 2 } });
    history.push(T0, { q: { depth: 3 } });
    expect(history.points("q", "depth")).toEqual([[T0 + 1_000, 1]]);
    history.clear();
    expect(history.size).toBe(0);
    expect(history.toJSON()).toEqual({ capacity: 5, times: [], series: [] });
  });

  test("travels as data and reads back the same", () => {
    const history = new GaugeHistory(4);
    for (let i = 0; i < 6; i++) history.push(T0 + i * 1_000, i % 2 ? { q: { depth: i }, w: { pending: i } } : { q: { depth: i } });
    const copy = GaugeHistory.from(JSON.parse(JSON.stringify(history.toJSON())) as ReturnType<GaugeHistory["toJSON"]>);
    expect(copy.toJSON()).toEqual(history.toJSON());
    copy.push(T0 + 6_000, { q: { depth: 6 } });
    expect(copy.points("q", "depth").map(([, v]) => v)).toEqual([3, 4, 5, 6]);
  });
});

describe("sparkline shape", () => {
  const box = { width: 100, height: 20, inset: 0, minWindowMs: 10_000, maxWindowMs: 100_000 };

  test("draws time to the right and counts upwards from 0, scaled to the highest in view", () => {
    const shape = sparklineShape(
      [
        [T0, 0],
        [T0 + 5_000, 5],
        [T0 + 10_000, 10],
      ],
      { ...box, now: T0 + 10_000 },
    );
    expect(shape?.line).toBe("M0 20 L50 10 L100 0");
    expect(shape?.area).toBe("M0 20 L50 10 L100 0 L100 20 L0 20 Z");
    expect(shape?.max).toBe(10);
    expect(shape?.end).toEqual({ x: 100, y: 0 });
  });

  test("a young history spans the minimum window, from the right", () => {
    const shape = sparklineShape(
      [
        [T0, 2],
        [T0 + 1_000, 2],
      ],
      { ...box, now: T0 + 1_000 },
    );
    // 1 s of a 10 s window: the last tenth of the width, flat at the top of its own scale.
    expect(shape?.line).toBe("M90 0 L100 0");
    expect(shape?.windowMs).toBe(10_000);
  });

  test("a long history shows the maximum window, entering from the left edge", () => {
    const points = Array.from({ length: 301 }, (_, i) => [T0 + i * 1_000, i] as const);
    const shape = sparklineShape(points, { ...box, now: T0 + 300_000 });
    expect(shape?.windowMs).toBe(100_000);
    // The point just before the window is kept (left of 0), so the line reaches the edge.
    expect(shape?.line.startsWith("M-1 ")).toBe(true);
    expect(shape?.max).toBe(300);
  });

  test("all zero is a line along the bottom; one point is nothing to draw", () => {
    expect(
      sparklineShape(
        [
          [T0, 0],
          [T0 + 10_000, 0],
        ],
        { ...box, now: T0 + 10_000 },
      )?.line,
    ).toBe("M0 20 L100 20");
    expect(sparklineShape([[T0, 4]], { ...box, now: T0 })).toBeNull();
    expect(sparklineShape([], { ...box, now: T0 })).toBeNull();
  });
});
