import { describe, expect, test } from "vitest";
import { connectionNamesFrom, parseFirehose, queueCountersFrom, rabbitmqQueueNameSchema, vhostOfAmqpUrl } from "./rabbitmq-firehose";

/** Headers as RabbitMQ 3.10's firehose sets them, seen through amqplib. */
const publishHeaders = {
  exchange_name: "",
  routing_keys: ["jobs"],
  properties: { message_id: "m-1", headers: { "hopscope-trace-id": "order-7" } },
  node: "rabbit@localhost",
  vhost: "/",
  connection: "127.0.0.1:54454 -> 127.0.0.1:5672",
  channel: 1,
  user: "guest",
  routed_queues: ["jobs"],
};

describe("RabbitMQ firehose", () => {
  test("a publish names its connection, the queues it was routed to and the message's own id", () => {
    expect(parseFirehose("publish.", publishHeaders)).toEqual({
      kind: "publish",
      exchange: "",
      routingKeys: ["jobs"],
      routedQueues: ["jobs"],
      connection: "127.0.0.1:54454 -> 127.0.0.1:5672",
      messageId: "m-1",
      headers: { "hopscope-trace-id": "order-7" },
    });
  });

  test("a publish routed nowhere has no queues, and a message without an id has none", () => {
    const { routed_queues: _, ...unrouted } = publishHeaders;
    const event = parseFirehose("publish.orders", { ...unrouted, exchange_name: "orders", properties: {} });
    expect(event).toMatchObject({ kind: "publish", exchange: "orders", routedQueues: [], messageId: null, headers: {} });
  });

  test("a delivery names its queue from the routing key and carries the redelivered flag, 0 or 1 on the wire", () => {
    const { routed_queues: _, ...base } = publishHeaders;
    expect(parseFirehose("deliver.ns.emails.retry", { ...base, redelivered: 1 })).toMatchObject({ kind: "deliver", queue: "ns.emails.retry", redelivered: true, messageId: "m-1" });
    expect(parseFirehose("deliver.jobs", { ...base, redelivered: 0 })).toMatchObject({ redelivered: false });
    expect(parseFirehose("deliver.jobs", { ...base, redelivered: true })).toMatchObject({ redelivered: true });
  });

  test("what is not a firehose message is nothing", () => {
    expect(parseFirehose("publish.x", undefined)).toBeNull();
    expect(parseFirehose("other.x", publishHeaders)).toBeNull();
    expect(parseFirehose("publish.x", { ...publishHeaders, routing_keys: "jobs" })).toBeNull();
  });
});

describe("RabbitMQ management answers", () => {
  test("a connection is known by the name its client gave it, or by its own name where it gave none", () => {
    const names = connectionNamesFrom([
      { name: "127.0.0.1:1 -> 127.0.0.1:5672", client_properties: { connection_name: "billing-app", product: "amqplib" } },
      { name: "127.0.0.1:2 -> 127.0.0.1:5672", client_properties: { product: "pika" } },
      { name: "127.0.0.1:3 -> 127.0.0.1:5672" },
    ]);
    expect([...names]).toEqual([
      ["127.0.0.1:1 -> 127.0.0.1:5672", "billing-app"],
      ["127.0.0.1:2 -> 127.0.0.1:5672", "127.0.0.1:2 -> 127.0.0.1:5672"],
      ["127.0.0.1:3 -> 127.0.0.1:5672", "127.0.0.1:3 -> 127.0.0.1:5672"],
    ]);
    expect(connectionNamesFrom({ error: "not_authorised" }).size).toBe(0);
  });

  test("a queue's counters, zeros where the broker has no statistics yet", () => {
    expect(queueCountersFrom("jobs", { messages_ready: 3, messages_unacknowledged: 2, message_stats: { ack: 10, deliver: 13, redeliver: 1, publish: 15 } })).toEqual({ queue: "jobs", ready: 3, unacked: 2, acked: 10, delivered: 13, redelivered: 1 });
    expect(queueCountersFrom("fresh", { name: "fresh" })).toEqual({ queue: "fresh", ready: 0, unacked: 0, acked: 0, delivered: 0, redelivered: 0 });
  });

  test("the vhost comes from the AMQP URL's path, `/` when it has none", () => {
    expect(vhostOfAmqpUrl("amqp://guest:guest@127.0.0.1:5672")).toBe("/");
    expect(vhostOfAmqpUrl("amqp://u:p@rabbit/%2F")).toBe("/");
    expect(vhostOfAmqpUrl("amqp://u:p@rabbit/shop")).toBe("shop");
  });

  test("a queue name to tap: no wildcards, spaces or emptiness", () => {
    expect(rabbitmqQueueNameSchema.safeParse("ns.emails.retry").success).toBe(true);
    expect(rabbitmqQueueNameSchema.safeParse("").success).toBe(false);
    expect(rabbitmqQueueNameSchema.safeParse("jobs.#").success).toBe(false);
    expect(rabbitmqQueueNameSchema.safeParse("a b").success).toBe(false);
    expect(rabbitmqQueueNameSchema.safeParse("x".repeat(256)).success).toBe(false);
  });
});
