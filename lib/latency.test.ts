import { describe, expect, test } from "vitest";
import { hops } from "./fixtures";
import { LatencyWindow, percentile, roundTripsOf } from "./latency";
import { isMessageHop } from "./protocol";

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

describe("which round trips a readout shows", () => {
  const [reply, confirm] = hops(`
    reply-received pay>checkout o1 dest=payment.charge rtt=1.5
    confirmed jobs>checkout o1.inv dest=checkout.inventory rtt=9
  `).filter(isMessageHop);

  test("every measured one, for a scenario of one leg", () => {
    const times = roundTripsOf(undefined);
    expect([reply, confirm].map((h) => h && times(h))).toEqual([true, true]);
  });

  test("a story's first leg only, the request it waits on", () => {
    const times = roundTripsOf([
      { name: "payment", guarantee: "at-most-once", destinations: ["payment.charge"] },
      { name: "jobs", guarantee: "at-least-once", destinations: ["checkout.inventory"] },
    ]);
    expect([reply, confirm].map((h) => h && times(h))).toEqual([true, false]);
  });
});
