import Redis from "ioredis";
import { describe, expect, test } from "vitest";
import { loadConfig } from "../../server/config";
import { PENDING_POLL_MS, RedisPendingPoller } from "../../server/taps/pending";
import { api, hopscopeForFile, TEST_NAMESPACE, waitFor } from "./harness";

/** What Redis holds pending in a stream's groups, read from the broker, not from any actor. */
const server = hopscopeForFile();
const urls = loadConfig({ ...process.env, PORT: "0" }).urls;
const stream = `${TEST_NAMESPACE}:taps:pending`;

interface Pending {
  stream: string;
  group: string;
  pending: number;
  byConsumer: { consumer: string; pending: number }[];
}

describe("the Redis pending tap", () => {
  test("a plain client's unacked reads show as pending per group and per consumer, and an XACK takes them off", async () => {
    const redis = new Redis(urls.redis);
    await redis.del(stream);
    await redis.xgroup("CREATE", stream, "billing", "$", "MKSTREAM");
    await redis.xgroup("CREATE", stream, "audit", "$");
    const poller = await RedisPendingPoller.start(urls.redis, [stream]);
    try {
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push(await redis.xadd(stream, "*", "n", String(i)));
      await redis.xreadgroup("GROUP", "billing", "worker-a", "COUNT", 2, "STREAMS", stream, ">");
      await redis.xreadgroup("GROUP", "billing", "worker-b", "COUNT", 1, "STREAMS", stream, ">");
      const held = await waitFor("billing's three pending", async () => poller.current().find((p) => p.group === "billing" && p.pending === 3), 5_000, PENDING_POLL_MS / 2);
      expect(held.byConsumer).toEqual([{ consumer: "worker-a", pending: 2 }, { consumer: "worker-b", pending: 1 }]);
      expect(poller.current().find((p) => p.group === "audit")).toEqual({ stream, group: "audit", pending: 0, byConsumer: [] });

      await redis.xack(stream, "billing", ids[0] ?? "");
      const after = await waitFor("one acked", async () => poller.current().find((p) => p.group === "billing" && p.pending === 2), 5_000, PENDING_POLL_MS / 2);
      expect(after.byConsumer.find((c) => c.consumer === "worker-a")?.pending).toBe(1);
    } finally {
      poller.close();
      await redis.del(stream);
      redis.disconnect();
    }
  });

  test("the witness of a Redis Streams scenario says what Redis holds pending for its groups", async () => {
    const id = "redis-streams";
    expect((await api(server.base, "POST", `/api/scenarios/${id}/start`)).status).toBe(200);
    try {
      expect((await api(server.base, "POST", `/api/scenarios/${id}/crosscheck`, { on: true })).status).toBe(200);
      const view = await waitFor("the scenario's groups", async () => {
        const { body } = await api<{ result: { pending?: Pending[] } }>(server.base, "GET", `/api/scenarios/${id}/crosscheck`);
        return body.result.pending && body.result.pending.length >= 2 ? body.result.pending : undefined;
      }, 15_000);
      // Other groups on the stream (a replay group an earlier run made) are the broker's truth too.
      expect(view.map((p) => p.group)).toEqual(expect.arrayContaining(["analytics-service", "email-service"]));
      expect(view.every((p) => p.stream === "tasks:created")).toBe(true);
    } finally {
      await api(server.base, "POST", `/api/scenarios/${id}/stop`);
    }
  }, 60_000);

  test("the witness of a Kafka scenario says how far each of its groups' commits are behind the topic's end", async () => {
    const id = "kafka-consumer-group";
    expect((await api(server.base, "POST", `/api/scenarios/${id}/start`)).status).toBe(200);
    try {
      expect((await api(server.base, "POST", `/api/scenarios/${id}/crosscheck`, { on: true })).status).toBe(200);
      expect((await api(server.base, "POST", `/api/scenarios/${id}/commands`, { type: "publish", count: 10 })).status).toBe(200);
      const lag = await waitFor("the groups to have committed all 10", async () => {
        const { body } = await api<{ result: { lag?: { topic: string; group: string; end: number; lag: number }[] } }>(server.base, "GET", `/api/scenarios/${id}/crosscheck`);
        // The scenario's own group: a replay group an earlier run left behind may stay behind for good.
        const figures = (body.result.lag ?? []).filter((l) => l.group === "analytics-service");
        return figures.length > 0 && figures.every((l) => l.lag === 0 && l.end >= 10) ? figures : undefined;
      }, 30_000);
      expect(lag.every((l) => !l.group.startsWith(TEST_NAMESPACE) && !l.topic.startsWith(TEST_NAMESPACE))).toBe(true);
    } finally {
      await api(server.base, "POST", `/api/scenarios/${id}/stop`);
    }
  }, 60_000);
});
