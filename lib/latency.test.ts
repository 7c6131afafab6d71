import { describe, expect, test } from "vitest";
import { LatencyWindow, percentile } from "./latency";

describe("latency", () => {
  test("nearest-rank percentiles", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile([], 50)).toBeNull();
    expect(percentile([7], 99)).toBe(7);
  });

  test("a rolling window forgets old samples but counts all", () => {
    const w = new LatencyWindow(3);
    for (const ms of [100, 1, 2, 3]) w.add(ms);
    expect(w.summary()).toEqual({ count: 4, lastMs: 3, p50Ms: 2, p99Ms: 3 });
    w.reset();
    expect(w.summary()).toEqual({ count: 0, lastMs: null, p50Ms: null, p99Ms: null });
  });
});
