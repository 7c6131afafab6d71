import { describe, expect, test } from "vitest";
import { CROSS_CHECK_SETTLE_MS, crossCheck, crossCheckDeliveries, crossCheckSettles, crossCheckVerdict, unwitnessedParts, witnessedBrokers, witnessedRabbitmqQueues } from "./crosscheck";

const hop = (kind: string, id: string, at = 0) => ({ kind, at, message: { id, traceId: id, destination: "d", attempt: 1, redelivered: false, size: 0, preview: "" } }) as Parameters<typeof crossCheck>[0][number];
const settle = (kind: string, id: string, seq: number, attempt = 1) => ({ kind, at: 0, message: { id, traceId: id, destination: "ORDERS", offset: String(seq), attempt, redelivered: attempt > 1, size: 0, preview: "" } }) as Parameters<typeof crossCheck>[0][number];

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

  test("a message one side has had for under the settling time is counted nowhere yet; after it, it disagrees", () => {
    const reported = [hop("published", "m1", 1_000), hop("published", "fresh", 1_900)];
    const seen = [hop("published", "m1", 1_001), hop("published", "unreported", 1_950)];
    expect(crossCheck(reported, seen, new Set(), 2_000)).toMatchObject({ both: 1, actorsOnly: { count: 0 }, brokerOnly: { count: 0 }, confirmed: true });
    const later = crossCheck(reported, seen, new Set(), 1_950 + CROSS_CHECK_SETTLE_MS);
    expect(later.actorsOnly.ids).toEqual(["fresh"]);
    expect(later.brokerOnly.ids).toEqual(["unreported"]);
  });
});

describe("who got each message, as NATS's trace says and as the actors say", () => {
  const delivery = (id: string, to: string, at = 0, extra: { attempt?: number; offset?: string; kind?: string } = {}) => ({
    kind: extra.kind ?? "delivered",
    at,
    to,
    message: { id, traceId: id, destination: "d", attempt: extra.attempt ?? 1, redelivered: false, size: 0, preview: "", ...(extra.offset ? { offset: extra.offset } : {}) },
  }) as Parameters<typeof crossCheckDeliveries>[0][number];

  test("the same member on both sides agrees; another member, or one nobody reported, does not", () => {
    const reported = [delivery("m1", "worker-1"), delivery("m2", "worker-2"), delivery("m3", "worker-1")];
    const traced = [delivery("m1", "worker-1"), delivery("m2", "worker-1"), delivery("m4", "silent")];
    expect(crossCheckDeliveries(reported, traced)).toEqual({
      both: 1,
      actorsOnly: { count: 1, ids: ["m2 → worker-2"] },
      brokerOnly: { count: 2, ids: ["m2 → worker-1", "m4 → silent"] },
    });
  });

  test("only traced messages count; JetStream's deliveries (with a stream sequence) are the stream's, never traced", () => {
    const reported = [delivery("untraced", "worker-1"), delivery("m1", "worker-1", 0, { offset: "7" }), delivery("m1", "worker-1", 0, { kind: "redelivered", attempt: 2 })];
    const traced = [delivery("m1", "worker-1", 0, { attempt: 2 })];
    expect(crossCheckDeliveries(reported, traced)).toMatchObject({ both: 1, actorsOnly: { count: 0 }, brokerOnly: { count: 0 } });
  });

  test("a delivery under the settling time is counted nowhere yet", () => {
    expect(crossCheckDeliveries([delivery("m1", "worker-1", 1_000)], [delivery("m1", "worker-1", 1_000), delivery("m2", "silent", 1_400)], 1_000 + CROSS_CHECK_SETTLE_MS)).toMatchObject({ both: 1, brokerOnly: { count: 0 } });
  });
});

describe("the cross-check in words and where it applies", () => {
  const side = (count: number) => ({ count, ids: [] });
  test("agreement counts what both saw; any disagreement names both sides", () => {
    expect(crossCheckVerdict({ both: 12, actorsOnly: side(0), brokerOnly: side(0), confirmed: true })).toEqual({ agrees: true, text: "Confirmed by the broker: 12 of 12 published" });
    expect(crossCheckVerdict({ both: 12, actorsOnly: side(0), brokerOnly: side(1), confirmed: false })).toEqual({ agrees: false, text: "The broker disagrees: 0 only the actors reported, 1 only the broker saw" });
    expect(crossCheckVerdict({ both: 0, actorsOnly: side(0), brokerOnly: side(0), confirmed: false }).agrees).toBe(true);
    expect(crossCheckVerdict({ both: 3, actorsOnly: side(0), brokerOnly: side(0), deliveries: { both: 3, actorsOnly: side(0), brokerOnly: side(0) }, confirmed: true }).text).toBe("Confirmed by the broker: 3 of 3 published and 3 deliveries");
    expect(crossCheckVerdict({ both: 3, actorsOnly: side(0), brokerOnly: side(0), deliveries: { both: 2, actorsOnly: side(0), brokerOnly: side(1) }, confirmed: false }).text).toBe("The broker disagrees: 0 only the actors reported, 0 only the broker saw; deliveries: 0 only the actors reported, 1 only the broker's trace shows");
  });

  test("NATS and Kafka are witnessed, Redis only through pub/sub channels, RabbitMQ through its named queues, gRPC never", () => {
    expect(witnessedBrokers({ brokers: ["nats"], channels: [] })).toEqual(["nats"]);
    expect(witnessedBrokers({ brokers: ["redis"], channels: [{ id: "redis:s", label: "s", kind: "stream" }] })).toEqual([]);
    expect(witnessedBrokers({ brokers: ["rabbitmq", "redis", "kafka"], channels: [{ id: "redis:c", label: "c", kind: "channel" }] })).toEqual(["redis", "kafka"]);
    expect(witnessedBrokers({ brokers: ["rabbitmq", "grpc"], channels: [] })).toEqual([]);
    expect(unwitnessedParts({ brokers: ["rabbitmq", "redis"], channels: [{ id: "redis:s", label: "s", kind: "stream" }] })).toEqual(["RabbitMQ queues", "Redis streams"]);
  });

  test("a scenario's RabbitMQ queues are witnessed, not its broker-named reply queue; a scenario publishing to exchanges is not", () => {
    const work = {
      brokers: ["rabbitmq" as const],
      channels: [
        { id: "rabbitmq:emails", label: "emails", kind: "queue" },
        { id: "rabbitmq:emails.retry", label: "emails.retry", kind: "retry queue" },
        { id: "rabbitmq:reply-to", label: "reply-to (exclusive)", kind: "reply queue" },
      ],
    };
    expect(witnessedRabbitmqQueues(work)).toEqual(["emails", "emails.retry"]);
    expect(witnessedBrokers(work)).toEqual(["rabbitmq"]);
    expect(unwitnessedParts(work)).toEqual([]);
    const exchanges = { brokers: ["rabbitmq" as const], channels: [{ id: "rabbitmq:exchange:orders", label: "orders", kind: "topic exchange" }, { id: "rabbitmq:audit", label: "audit", kind: "queue" }] };
    expect(witnessedBrokers(exchanges)).toEqual([]);
    expect(unwitnessedParts(exchanges)).toEqual(["RabbitMQ exchanges"]);
  });

  test("settles match by stream sequence, kind and delivery, whatever id each side could name", () => {
    const reported = [settle("nacked", "m1", 7), settle("acked", "m1", 7, 2), settle("acked", "m2", 8), settle("delivered", "m3", 9)];
    const heard = [settle("nacked", "m1", 7), settle("acked", "ORDERS#7", 7, 2), settle("acked", "ORDERS#10", 10)];
    const result = crossCheckSettles(reported, heard);
    expect(result).toEqual({ both: 2, actorsOnly: { count: 1, ids: ["m2"] }, brokerOnly: { count: 1, ids: ["ORDERS#10"] } });
    const words = crossCheckVerdict({ ...crossCheck([], []), both: 3, settles: result });
    expect(words).toEqual({ agrees: false, text: "The broker disagrees: 0 only the actors reported, 0 only the broker saw; settles: 1 only the actors reported, 1 only the stream heard" });
    expect(crossCheckVerdict({ both: 3, actorsOnly: side(0), brokerOnly: side(0), settles: { both: 2, actorsOnly: side(0), brokerOnly: side(0) }, confirmed: true }).text).toBe("Confirmed by the broker: 3 of 3 published and 2 settles");
  });
});
