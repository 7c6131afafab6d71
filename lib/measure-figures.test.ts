import { describe, expect, test } from "vitest";
import { dueCount, formatMeasurementTable, idsToMeasure, latencyFigure, stepsOf, throughputFigure } from "./measure-figures";
import { MEASURE_IDS } from "./measurements";

describe("measure figures", () => {
  test("latency: nearest-rank percentiles of the samples, whatever their order", () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(latencyFigure(samples, "publish → delivered")).toEqual({ p50Ms: 50, p99Ms: 99, samples: 100, path: "publish → delivered" });
  });

  test("latency: no figure without samples, and a clock read a hair early is 0, not negative", () => {
    expect(latencyFigure([], "x")).toBeNull();
    expect(latencyFigure([Number.NaN], "x")).toBeNull();
    expect(latencyFigure([-0.002, -0.001], "x")).toMatchObject({ p50Ms: 0, p99Ms: 0 });
  });

  test("throughput: messages over the receiver's window", () => {
    expect(throughputFigure(3_000, 1_500)).toEqual({ messagesPerSecond: 2_000, messages: 3_000, seconds: 1.5 });
    expect(throughputFigure(10, 0)).toBeNull();
  });

  test("pace: the first message at once, then one every 1/rate", () => {
    expect(dueCount(0, 500)).toBe(1);
    expect(dueCount(1.9, 500)).toBe(1);
    expect(dueCount(2, 500)).toBe(2);
    expect(dueCount(1_000, 500)).toBe(501);
    expect(dueCount(-5, 500)).toBe(0);
  });

  test("ids: all by default, else the ones asked for in the contract's order, two steps each", () => {
    expect(idsToMeasure({})).toEqual([...MEASURE_IDS]);
    expect(idsToMeasure({ only: ["kafka", "nats-pubsub"] })).toEqual(["nats-pubsub", "kafka"]);
    expect(stepsOf({ only: ["kafka"] })).toBe(2);
    expect(stepsOf({})).toBe(MEASURE_IDS.length * 2);
  });

  test("table: one line a broker, a dash for a missing figure and the reason", () => {
    const table = formatMeasurementTable({
      results: [
        { id: "nats-pubsub", label: "NATS pub/sub", latency: { p50Ms: 0.31, p99Ms: 1.2, samples: 10, path: "p" }, throughput: { messagesPerSecond: 123_456, messages: 1, seconds: 1 } },
        { id: "kafka", label: "Kafka", latency: null, throughput: null, error: "Kafka is not answering" },
      ],
    });
    const lines = table.split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^NATS pub\/sub\s+0\.31\s+1\.20\s+123,456$/);
    expect(lines[2]).toMatch(/^Kafka\s+—\s+—\s+—\s+Kafka is not answering$/);
  });
});
