import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PROTOCOL_VERSION, type MessageHop } from "../../lib/protocol";
import type { Hopscope } from "../../server/app";
import { namespace } from "../../server/brokers/namespace";
import { loadConfig } from "../../server/config";
import { redisStreamFates } from "../../server/scenarios/redis-streams/fates";
import { DLQ_STREAM, GROUPS, STREAM, STREAM_CHANNEL_ID } from "../../server/scenarios/redis-streams/names";
import { api, startHopscope, state, TEST_NAMESPACE, testNames, waitFor } from "./harness";

const ID = "redis-streams";
let hopscope: Hopscope;
let base: string;
let redis: Redis;

const command = (body: unknown) => api<{ ok: boolean; result: Record<string, unknown> }>(base, "POST", `/api/scenarios/${ID}/commands`, body);
const consumerRoles = ["email-service", "analytics-service"] as const;

beforeAll(async () => {
  redis = new Redis(loadConfig(process.env).urls.redis);
  await redis.del(testNames.redis(STREAM), testNames.redis(DLQ_STREAM));
  ({ hopscope, base } = await startHopscope());
  expect((await api(base, "POST", `/api/scenarios/${ID}/start`)).status).toBe(200);
});
afterAll(async () => {
  await hopscope.close();
  redis.disconnect();
});

describe("redis-streams: what Redis gives up on, the ledger says with the reason", () => {
  test("entries MAXLEN trims before any group read them are lost, by reason; the rest complete; nothing stays in flight", async () => {
    // Every group's consumers gone: nothing reads while the burst is trimmed down to ~100.
    await waitFor("the groups to exist", async () => ((await redis.call("XINFO", "GROUPS", testNames.redis(STREAM)).catch(() => [])) as unknown[]).length >= GROUPS.length || undefined);
    const consumers = (await state(base, ID)).actors.filter((a) => a.alive && (consumerRoles as readonly string[]).includes(a.role));
    for (const actor of consumers) expect((await command({ type: "kill-actor", actorId: actor.id })).status).toBe(200);
    // Until Redis notices a killed consumer's socket is closed, its blocked XREADGROUP can still
    // be handed an entry that no hop will ever mention. Publish once Redis has let them all go.
    await waitFor("Redis to drop the killed consumers' connections", async () => {
      const clients = (await redis.call("CLIENT", "LIST")) as string;
      return consumers.every((a) => !clients.includes(`name=${a.id}:`)) || undefined;
    });
    await command({ type: "set", delayMs: 0, failRate: 0, maxLen: 100 });
    await command({ type: "reset" });
    expect((await command({ type: "publish", count: 300 })).status).toBe(200);
    // The reports arrive batch by batch: wait until they account for every entry Redis let go.
    const trimmed = await waitFor("the trimmed entries to be reported", async () => {
      const { ledger } = await state(base, ID);
      const left = await redis.xlen(testNames.redis(STREAM));
      return ledger.published === 300 && ledger.lost > 0 && ledger.lost === 300 - left ? ledger.lost : undefined;
    });
    // MAXLEN ~ trims whole nodes of entries only, so "about 100" is left: 100 to 199.
    expect(trimmed).toBeGreaterThanOrEqual(101);
    expect(trimmed).toBeLessThanOrEqual(200);
    expect(await redis.xlen(testNames.redis(STREAM))).toBe(300 - trimmed);

    for (const role of consumerRoles) expect((await command({ type: "add-actor", role })).status).toBe(200);
    const settled = await waitFor("nothing in flight", async () => {
      const { ledger } = await state(base, ID);
      return ledger.inFlight === 0 ? ledger : undefined;
    }, 30_000, 200);
    expect(settled).toMatchObject({ published: 300, completed: 300 - trimmed, lost: trimmed, dropped: 0, deadLettered: 0 });
    expect(settled.lostReasons).toEqual({ "trimmed by MAXLEN ~ 100 before any group read it": trimmed });
    await command({ type: "set", maxLen: 0 });
  });
});

describe("redisStreamFates against the real Redis", () => {
  const names = namespace(`${TEST_NAMESPACE}-fates`);
  const stream = names.redis(STREAM);

  const deliveryOf = (entryId: string, group: string): MessageHop => ({
    v: PROTOCOL_VERSION,
    seq: 1,
    scenarioId: ID,
    broker: "redis",
    kind: "delivered",
    from: STREAM_CHANNEL_ID,
    to: "email-service-1",
    at: Date.now(),
    message: { id: `m-${entryId}`, traceId: `m-${entryId}`, destination: group, offset: entryId, attempt: 1, redelivered: false, size: 0, preview: "" },
  });

  test("acked, still pending, trimmed while pending, and a group that is gone are told apart", async () => {
    await redis.del(stream);
    const group = "email-service";
    await redis.call("XGROUP", "CREATE", stream, group, "$", "MKSTREAM");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await redis.xadd(stream, "*", "messageId", `m${i}`)) as string);
    await redis.call("XREADGROUP", "GROUP", group, "c1", "COUNT", "3", "STREAMS", stream, ">");
    await redis.xack(stream, group, ids[0]!);
    await redis.xdel(stream, ids[2]!);
    const reader = redisStreamFates(loadConfig(process.env).urls.redis, names);
    try {
      const fates = await reader.fates([deliveryOf(ids[0]!, group), deliveryOf(ids[1]!, group), deliveryOf(ids[2]!, group), deliveryOf(ids[1]!, "no-such-group")], {});
      expect(fates).toEqual([
        { status: "acked", reason: expect.stringContaining("Redis has its XACK") },
        { status: "held" },
        { status: "gone", reason: expect.stringContaining("trimmed from tasks:created (MAXLEN) while pending") },
        { status: "gone", reason: expect.stringContaining("consumer group is gone") },
      ]);
    } finally {
      await reader.close();
      await redis.del(stream);
    }
  });
});
