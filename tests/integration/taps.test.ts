import Redis from "ioredis";
import { Kafka, logLevel } from "kafkajs";
import { connect, headers } from "nats";
import { describe, expect, test } from "vitest";
import { isMessageHop, type MessageHop } from "../../lib/protocol";
import { loadConfig } from "../../server/config";
import { api, hopscopeForFile, TEST_NAMESPACE, waitFor } from "./harness";

/**
 * Traffic of a plain script, not an actor: the taps must show it from the brokers' side alone.
 */
const server = hopscopeForFile();
const urls = loadConfig({ ...process.env, PORT: "0" }).urls;
const subject = `${TEST_NAMESPACE}.taps.orders`;
const channel = `${TEST_NAMESPACE}:taps:orders`;
const topic = `${TEST_NAMESPACE}.taps-orders`;

async function tapped(): Promise<MessageHop[]> {
  const { body } = await api<{ hops: MessageHop[] }>(server.base, "GET", "/api/observe/hops?since=0");
  return body.hops.filter((h) => isMessageHop(h) && h.source === "tap");
}

describe("broker taps", () => {
  test("a plain script's NATS, Redis and Kafka messages show as published to their destinations, from a publisher the broker does not name", async () => {
    const kafka = new Kafka({ clientId: "plain-script", brokers: urls.kafka.split(","), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    // Sent before the tap starts: not its to report.
    await producer.send({ topic, messages: [{ key: "before", value: "{}" }] });

    const set = await api<{ ok: boolean; result: { since: number | null } }>(server.base, "POST", "/api/observe/taps", { nats: [`${TEST_NAMESPACE}.taps.>`], redis: [`${TEST_NAMESPACE}:taps:*`], kafka: [topic] });
    expect(set.status).toBe(200);
    expect(set.body.result.since).toBeGreaterThan(0);

    const nc = await connect({ servers: urls.nats });
    const redis = new Redis(urls.redis);
    try {
      const h = headers();
      h.set("Hopscope-Message-Id", "order-1");
      nc.publish(subject, JSON.stringify({ orderId: "order-1" }), { headers: h });
      nc.publish(subject, "plain text");
      nc.publish(`${TEST_NAMESPACE}.elsewhere`, "not tapped");
      await nc.flush();
      await redis.publish(channel, JSON.stringify({ messageId: "order-2" }));
      // An empty id is no id: the tap names the message itself.
      await redis.publish(channel, JSON.stringify({ messageId: "" }));
      await producer.send({ topic, messages: [{ key: "customer-1", value: '{"orderId":"order-3"}', headers: { "hopscope-message-id": "order-3" } }, { key: "customer-2", value: "x" }] });

      const hops = await waitFor("six tapped publishes", async () => {
        const seen = await tapped();
        return seen.length >= 6 ? seen : undefined;
      }, 30_000, 200);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const all = await tapped();
      expect(all).toHaveLength(6);
      expect(hops.every((h) => h.kind === "published")).toBe(true);
      expect(all.every((h) => h.message.id.length > 0)).toBe(true);
      const to = (node: string) => all.filter((h) => h.to === node);
      expect(to(`nats:${subject}`).map((h) => h.from)).toEqual(["nats publisher (unknown)", "nats publisher (unknown)"]);
      // An id the message carries is kept, so an actor's report and the tap's name one message.
      expect(to(`nats:${subject}`)[0]?.message.id).toBe("order-1");
      expect(to(`redis:${channel}`).map((h) => h.message.id)[0]).toBe("order-2");
      const records = to(`kafka:${topic}`);
      expect(records.map((h) => h.message.key).sort()).toEqual(["customer-1", "customer-2"]);
      expect(records.find((h) => h.message.key === "customer-1")?.message.id).toBe("order-3");
      expect(records.every((h) => h.message.partition !== undefined && h.message.offset !== undefined)).toBe(true);

      // Stopped, they see nothing more.
      const stopped = await api<{ result: { since: number | null } }>(server.base, "POST", "/api/observe/taps", {});
      expect(stopped.body.result.since).toBeNull();
      nc.publish(subject, "after");
      await nc.flush();
      await redis.publish(channel, "after");
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await tapped()).toHaveLength(6);
    } finally {
      await nc.close();
      redis.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  }, 90_000);

  test("a plain Kafka consumer is drawn under its client id, once its group's commits pass what the tap saw", async () => {
    const readTopic = `${TEST_NAMESPACE}.taps-reads`;
    const kafka = new Kafka({ clientId: "plain-producer", brokers: urls.kafka.split(","), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: readTopic, numPartitions: 2 }], waitForLeaders: true });
    const producer = kafka.producer();
    const reader = new Kafka({ clientId: "billing-reader", brokers: urls.kafka.split(","), logLevel: logLevel.NOTHING }).consumer({ groupId: `${TEST_NAMESPACE}.billing`, sessionTimeout: 10_000 });
    try {
      const set = await api<{ result: { since: number } }>(server.base, "POST", "/api/observe/taps", { kafka: [readTopic] });
      expect(set.status).toBe(200);
      await producer.connect();
      await reader.connect();
      await reader.subscribe({ topic: readTopic, fromBeginning: true });
      const read = new Set<string>();
      await reader.run({ eachMessage: async ({ message }) => void read.add(String(message.headers?.["hopscope-message-id"])) });
      await producer.send({ topic: readTopic, messages: ["read-1", "read-2", "read-3"].map((id, i) => ({ key: `k${i}`, value: "{}", headers: { "hopscope-message-id": id } })) });
      const committed = await waitFor("the group's commits past all three records", async () => {
        const hops = (await tapped()).filter((h) => h.kind === "committed" && h.to === `kafka:${readTopic}`);
        return hops.length >= 3 ? hops : undefined;
      }, 45_000, 250);
      expect([...read].sort()).toEqual(["read-1", "read-2", "read-3"]);
      expect(committed.map((h) => h.message.id).sort()).toEqual(["read-1", "read-2", "read-3"]);
      expect(new Set(committed.map((h) => h.from))).toEqual(new Set(["billing-reader"]));
      // Each after its own publish, and each record once for the one group that read it.
      const published = new Map((await tapped()).filter((h) => h.kind === "published").map((h) => [h.message.id, h.at]));
      for (const hop of committed) expect(hop.at).toBeGreaterThanOrEqual(published.get(hop.message.id) ?? Number.POSITIVE_INFINITY);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect((await tapped()).filter((h) => h.kind === "committed")).toHaveLength(3);
    } finally {
      await api(server.base, "POST", "/api/observe/taps", {});
      await reader.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [readTopic] }).catch(() => undefined);
      await admin.deleteGroups([`${TEST_NAMESPACE}.billing`]).catch(() => undefined);
      await admin.disconnect();
    }
  }, 90_000);

  test("bad targets get a 400 naming the field, and the taps running stay as they were", async () => {
    const before = (await api<{ result: unknown }>(server.base, "GET", "/api/observe/taps")).body.result;
    for (const body of [{ kafka: ["has space"] }, { nats: ["a b"] }, { nats: [""] }, { nats: ["a..b"] }, { nats: ["a.>.b"] }, { nats: ["a.b*"] }, { rabbitmq: ["jobs.#"] }, { redis: Array(17).fill("x:*") }, []]) {
      const answer = await api<{ ok: boolean; error: { message: string } }>(server.base, "POST", "/api/observe/taps", body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
    }
    expect((await api<{ result: unknown }>(server.base, "GET", "/api/observe/taps")).body.result).toEqual(before);
  });

  test("asked for MONITOR, the Redis tap names the publisher as Redis knows it and sees stream writes too", async () => {
    const stream = `${TEST_NAMESPACE}:taps:jobs`;
    const set = await api<{ result: { since: number; targets: { redisMonitor: boolean } } }>(server.base, "POST", "/api/observe/taps", { redis: [`${TEST_NAMESPACE}:taps:*`], redisMonitor: true });
    expect(set.status).toBe(200);
    expect(set.body.result.targets.redisMonitor).toBe(true);
    const named = new Redis(urls.redis, { connectionName: "checkout-service" });
    const unnamed = new Redis(urls.redis);
    try {
      await named.publish(channel, JSON.stringify({ messageId: "monitored-1" }));
      await named.xadd(stream, "*", "messageId", "monitored-2", "payload", "{}");
      await unnamed.publish(channel, "plain text");
      await unnamed.publish(`${TEST_NAMESPACE}:elsewhere`, "not asked for");
      // Named, published and gone at once: gone from CLIENT LIST before the tap could ask about it.
      const fleeting = new Redis(urls.redis, { connectionName: "fleeting-app" });
      await fleeting.publish(channel, JSON.stringify({ messageId: "monitored-3" }));
      fleeting.disconnect();
      const hops = await waitFor("the MONITOR tap's four writes", async () => {
        const seen = (await tapped()).filter((hop) => hop.at >= set.body.result.since - 1_000 && hop.broker === "redis" && hop.from !== "redis publisher (unknown)");
        return seen.length >= 4 ? seen : undefined;
      });
      const byId = new Map(hops.map((hop) => [hop.message.id, hop]));
      expect(byId.get("monitored-1")).toMatchObject({ from: "checkout-service", kind: "published", message: { destination: channel } });
      expect(byId.get("monitored-2")).toMatchObject({ from: "checkout-service", message: { destination: stream } });
      expect(byId.get("monitored-3")).toMatchObject({ from: "fleeting-app" });
      const plain = hops.find((hop) => hop.message.preview === "plain text");
      expect(plain?.from).toMatch(/^redis client 127\.0\.0\.1:\d+$/);
      expect(hops.some((hop) => hop.message.destination.endsWith(":elsewhere"))).toBe(false);
    } finally {
      named.disconnect();
      unnamed.disconnect();
      await api(server.base, "POST", "/api/observe/taps", {});
    }
  });

  test("a replacement that cannot start (a Kafka topic that does not exist) leaves the taps running before as they were, still seeing", async () => {
    const kept = `${TEST_NAMESPACE}.kept.orders`;
    const running = await api<{ result: unknown }>(server.base, "POST", "/api/observe/taps", { nats: [kept] });
    expect(running.status).toBe(200);
    const missing = await api<{ ok: boolean; error: { message: string } }>(server.base, "POST", "/api/observe/taps", { nats: [`${TEST_NAMESPACE}.x`], kafka: [`${TEST_NAMESPACE}.no-such-topic`] });
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toContain("no-such-topic");
    expect((await api<{ result: unknown }>(server.base, "GET", "/api/observe/taps")).body.result).toEqual(running.body.result);
    const nc = await connect({ servers: urls.nats });
    try {
      const h = headers();
      h.set("Hopscope-Message-Id", "kept-1");
      nc.publish(kept, "{}", { headers: h });
      await nc.flush();
      await waitFor("the kept tap to see kept-1", async () => (await tapped()).some((hop) => hop.message.id === "kept-1" && hop.message.destination === kept), 10_000);
    } finally {
      await nc.close();
      await api(server.base, "POST", "/api/observe/taps", {});
    }
  });
});

