import { describe, expect, test } from "vitest";
import { crossCheck, crossCheckVerdict, unwitnessedParts, witnessedBrokers } from "./crosscheck";

const hop = (kind: string, id: string) => ({ kind, message: { id, traceId: id, destination: "d", attempt: 1, redelivered: false, size: 0, preview: "" } }) as Parameters<typeof crossCheck>[0][number];

describe("the broker's view against the actors'", () => {
  test("the same messages on both sides: confirmed; a retry is one message", () => {
    const result = crossCheck([hop("published", "m1"), hop("retry", "m1"), hop("published", "m2"), hop("delivered", "m2")], [hop("published", "m1"), hop("published", "m1"), hop("published", "m2")]);
    expect(result).toEqual({ both: 2, actorsOnly: { count: 0, ids: [] }, brokerOnly: { count: 0, ids: [] }, confirmed: true });
  });

  test("a hop hidden from the actors' reports is the broker's alone; one the broker never had is the actors' alone", () => {
    const result = crossCheck([hop("published", "m1"), hop("published", "m3")], [hop("published", "m1"), hop("published", "hidden")]);
    expect(result.brokerOnly).toEqual({ count: 1, ids: ["hidden"] });
    expect(result.actorsOnly).toEqual({ count: 1, ids: ["m3"] });
    expect(result.confirmed).toBe(false);
  });

  test("a message reported before the tap started is not the broker's alone; nothing seen is not a confirmation", () => {
    expect(crossCheck([], [hop("published", "early")], new Set(["early"])).brokerOnly.count).toBe(0);
    expect(crossCheck([], []).confirmed).toBe(false);
  });
});

describe("the cross-check in words and where it applies", () => {
  const side = (count: number) => ({ count, ids: [] });
  test("agreement counts what both saw; any disagreement names both sides", () => {
    expect(crossCheckVerdict({ both: 12, actorsOnly: side(0), brokerOnly: side(0), confirmed: true })).toEqual({ agrees: true, text: "Confirmed by the broker: 12 of 12 published" });
    expect(crossCheckVerdict({ both: 12, actorsOnly: side(0), brokerOnly: side(1), confirmed: false })).toEqual({ agrees: false, text: "The broker disagrees: 0 only the actors reported, 1 only the broker saw" });
    expect(crossCheckVerdict({ both: 0, actorsOnly: side(0), brokerOnly: side(0), confirmed: false }).agrees).toBe(true);
  });

  test("NATS and Kafka are witnessed, Redis only through pub/sub channels, RabbitMQ and gRPC never", () => {
    expect(witnessedBrokers({ brokers: ["nats"], channels: [] })).toEqual(["nats"]);
    expect(witnessedBrokers({ brokers: ["redis"], channels: [{ id: "redis:s", label: "s", kind: "stream" }] })).toEqual([]);
    expect(witnessedBrokers({ brokers: ["rabbitmq", "redis", "kafka"], channels: [{ id: "redis:c", label: "c", kind: "channel" }] })).toEqual(["redis", "kafka"]);
    expect(witnessedBrokers({ brokers: ["rabbitmq", "grpc"], channels: [] })).toEqual([]);
    expect(unwitnessedParts({ brokers: ["rabbitmq", "redis"], channels: [{ id: "redis:s", label: "s", kind: "stream" }] })).toEqual(["RabbitMQ queues", "Redis streams"]);
  });
});
