import { namespace } from "../brokers/namespace";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import type { GaugeReader } from "../scenarios/model";
import { URLS } from "./fakes";
import { GAUGE_INTERVAL_MS, GaugePoller, type Gauges } from "./gauges";

/** A reader whose reads finish when the test says so. */
function slowReader() {
  const pending: ((gauges: Gauges) => void)[] = [];
  const reader: GaugeReader & { closed: number } = {
    closed: 0,
    read: () => new Promise((resolve) => pending.push(resolve)),
    close: async () => {
      reader.closed++;
    },
  };
  return { reader, pending };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("gauge polling", () => {
  test("reads one at a time, the next a while after the last answered", async () => {
    const { reader, pending } = slowReader();
    const open = vi.fn(() => reader);
    const changes = vi.fn();
    const poller = new GaugePoller({ transport: "rabbitmq", open }, URLS, namespace("test"), changes);

    poller.start();
    expect(open).toHaveBeenCalledWith("amqp://test:5672", expect.objectContaining({ id: "test" }), URLS);
    expect(pending).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(GAUGE_INTERVAL_MS * 5);
    expect(pending).toHaveLength(1);

    pending[0]?.({ jobs: { depth: 3 } });
    await vi.advanceTimersByTimeAsync(GAUGE_INTERVAL_MS - 1);
    expect(pending).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(pending).toHaveLength(2);
    expect(poller.gauges).toEqual({ jobs: { depth: 3 } });
    expect(changes).toHaveBeenCalledTimes(1);

    // The same figures again are no change.
    pending[1]?.({ jobs: { depth: 3 } });
    await vi.advanceTimersByTimeAsync(GAUGE_INTERVAL_MS);
    expect(changes).toHaveBeenCalledTimes(1);
  });

  test("a read that answers after the stop is ignored, and the reader is closed", async () => {
    const { reader, pending } = slowReader();
    const changes = vi.fn();
    const poller = new GaugePoller({ transport: "rabbitmq", open: () => reader }, URLS, namespace("test"), changes);
    poller.start();

    await poller.stop();
    pending[0]?.({ jobs: { depth: 9 } });
    await vi.advanceTimersByTimeAsync(GAUGE_INTERVAL_MS * 3);

    expect(reader.closed).toBe(1);
    expect(poller.gauges).toEqual({});
    expect(changes).not.toHaveBeenCalled();
    expect(pending).toHaveLength(1);
  });
});

describe("gauge history", () => {
  test("every read is a point, changed or not, and a stop starts the history afresh", async () => {
    const { reader, pending } = slowReader();
    const changes = vi.fn();
    const reads = vi.fn();
    let now = 1_000;
    const poller = new GaugePoller({ transport: "rabbitmq", open: () => reader }, URLS, namespace("test"), changes, GAUGE_INTERVAL_MS, reads, () => now);
    poller.start();
    for (const depth of [3, 3, 5]) {
      pending.at(-1)?.({ jobs: { depth } });
      await vi.advanceTimersByTimeAsync(GAUGE_INTERVAL_MS);
      now += GAUGE_INTERVAL_MS;
    }
    expect(poller.history.points("jobs", "depth")).toEqual([
      [1_000, 3],
      [2_000, 3],
      [3_000, 5],
    ]);
    expect(poller.at).toBe(3_000);
    // Two changes (the first figures, then 5), and the unchanged read in between told apart.
    expect(changes).toHaveBeenCalledTimes(2);
    expect(reads).toHaveBeenCalledTimes(1);

    await poller.stop();
    expect(poller.history.size).toBe(0);
    expect(poller.at).toBeNull();
  });

  test("a failed read adds no point", async () => {
    let fail = true;
    const reader: GaugeReader = { read: async () => (fail ? Promise.reject(new Error("channel closed")) : { jobs: { depth: 1 } }), close: async () => undefined };
    const poller = new GaugePoller({ transport: "rabbitmq", open: () => reader }, URLS, namespace("test"), () => undefined);
    poller.start();
    await vi.advanceTimersByTimeAsync(GAUGE_INTERVAL_MS * 2.5);
    expect(poller.history.size).toBe(0);
    fail = false;
    await vi.advanceTimersByTimeAsync(GAUGE_INTERVAL_MS);
    expect(poller.history.size).toBe(1);
    await poller.stop();
  });
});
