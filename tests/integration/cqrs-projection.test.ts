import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isMessageHop, type MessageHop } from "../../lib/protocol";
import type { Hopscope } from "../../server/app";
import { createKafka } from "../../server/brokers/kafka";
import { loadConfig } from "../../server/config";
import { PROJECTOR, PROJECTOR_GROUP, READ_MODEL, READ_MODEL_CHANNEL_ID, TOPIC, TOPIC_CHANNEL_ID, VERSION_FIELD } from "../../server/scenarios/cqrs-projection/names";
import { api, everyHop, liveActors, startHopscope, state, testNames, waitFor } from "./harness";
import { legOf, storyCommands } from "./story-harness";

const ID = "cqrs-projection";
let hopscope: Hopscope;
let base: string;
let redis: Redis;
const command = (body: unknown) => storyCommands(base, ID)(body);
const config = loadConfig(process.env);

beforeAll(async () => {
  redis = new Redis(config.urls.redis);
  // A fresh event store, group and read model: versions start at 1 and the group has no commit.
  const admin = createKafka({ brokers: config.urls.kafka, clientId: "cqrs-projection-test" }).admin();
  await admin.connect();
  await admin.deleteGroups([testNames.name(PROJECTOR_GROUP)]).catch(() => undefined);
  if ((await admin.listTopics()).includes(testNames.name(TOPIC))) await admin.deleteTopics({ topics: [testNames.name(TOPIC)], timeout: 10_000 });
  await admin.disconnect();
  await redis.del(testNames.redis(READ_MODEL));
  ({ hopscope, base } = await startHopscope());
  expect((await api(base, "POST", `/api/scenarios/${ID}/start`)).body).toMatchObject({ ok: true });
  expect((await command({ type: "set", delayMs: 20, queryEveryMs: 250 })).status).toBe(200);
});
afterAll(async () => {
  await api(base, "POST", `/api/scenarios/${ID}/stop`);
  await hopscope.close();
  redis.disconnect();
});

async function writeCommands(count: number): Promise<{ ids: string[]; versions: number[] }> {
  const res = await command({ type: "publish", count });
  expect(res.status).toBe(200);
  return { ids: res.body.result.messageIds as string[], versions: res.body.result.versions as number[] };
}

const messageHops = async () => (await everyHop(base, ID)).filter(isMessageHop);
const queriesOf = (hops: MessageHop[]) => hops.filter((h) => h.read !== undefined && h.kind === "delivered" && h.from === READ_MODEL_CHANNEL_ID);
const readModelVersion = async () => Number(await redis.hget(testNames.redis(READ_MODEL), VERSION_FIELD));
const lagGauge = async () => (await state(base, ID)).gauges[READ_MODEL_CHANNEL_ID];

describe("cqrs-projection", () => {
  test("a SIGKILLed projector leaves the read side behind and every query stale; a new one resumes from the committed offset and projects every event once", async () => {
    const [first] = await liveActors(base, ID, PROJECTOR);
    if (!first) throw new Error("no projector");
    await waitFor("the projector to own the partition", async () => (await everyHop(base, ID)).some((h) => h.kind === "rebalanced" && h.actor.id === first && h.partitions?.length === 1), 20_000, 100);
    await command({ type: "reset" });

    const before = await writeCommands(10);
    expect(before.versions).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    await waitFor("the first 10 commands projected", async () => ((await state(base, ID)).ledger.completed === 10 ? true : undefined), 20_000, 100);
    expect(await readModelVersion()).toBe(10);
    // Committed every second: wait for the commit that covers the tenth event, so a kill after it re-reads nothing.
    await waitFor("offset 10 committed", async () => (await messageHops()).some((h) => h.kind === "committed" && h.from === first && h.reason?.startsWith("offset 10 ")), 10_000, 100);

    expect((await command({ type: "kill-actor", actorId: first })).status).toBe(200);
    const killedAt = Date.now();
    const after = await writeCommands(10);
    expect(after.versions).toEqual(Array.from({ length: 10 }, (_, i) => i + 11));

    // The read side stands still while the write side moves on: the gauge's lag grows in time.
    const early = await waitFor("the gauge to show 10 events behind", async () => ((await lagGauge())?.behind === 10 ? await lagGauge() : undefined), 10_000, 100);
    const later = await waitFor("the gauge's lag in ms to grow", async () => {
      const now = await lagGauge();
      return now && now.behind === 10 && (now["behind ms"] ?? 0) > (early?.["behind ms"] ?? 0) + 500 ? now : undefined;
    }, 10_000, 200);
    expect(later.version).toBe(10);
    expect(await readModelVersion()).toBe(10);
    const stale = await waitFor("three stale queries", async () => {
      const found = queriesOf(await messageHops()).filter((h) => h.at > killedAt && h.read && h.read.written === 20);
      return found.length >= 3 ? found : undefined;
    }, 10_000, 100);
    for (const query of stale) {
      expect(query.read).toEqual({ version: 10, written: 20 });
      expect(query.reason).toBe("stale: read v10, written v20 (10 events behind)");
      // A stale query observed the last command the read model shows, and joins its trace.
      expect(query.message.traceId).toBe(before.ids[9]);
    }
    expect((await state(base, ID)).ledger).toMatchObject({ published: 20, completed: 10, inFlight: 10, lost: 0 });

    const added = await command({ type: "add-actor", role: PROJECTOR });
    expect(added.status).toBe(200);
    const second = added.body.result.actorId as string;
    const settled = await waitFor("all 20 commands projected", async () => {
      const s = await state(base, ID);
      return s.ledger.completed === 20 ? s : undefined;
    }, 30_000, 200);
    const hops = await messageHops();

    // It started where the group's last commit said, not from the beginning.
    const resumedAt = hops.find((h) => h.kind === "delivered" && h.to === second && h.from === TOPIC_CHANNEL_ID);
    expect(resumedAt?.message.offset).toBe("10");
    expect(hops.filter((h) => h.kind === "delivered" && h.to === second && h.from === TOPIC_CHANNEL_ID).map((h) => Number(h.message.offset))).toEqual(Array.from({ length: 10 }, (_, i) => i + 10));
    // Every event in the read model once: Redis says so, and so does each projected trace.
    expect(await readModelVersion()).toBe(20);
    for (const id of [...before.ids, ...after.ids]) expect(hops.filter((h) => h.kind === "confirmed" && h.message.traceId === id && h.from === READ_MODEL_CHANNEL_ID)).toHaveLength(1);

    // Queries go on all the time: the ledger is read again with queries stopped, so that it and
    // the hops count the same ones.
    expect((await command({ type: "set", queryEveryMs: 0 })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    const finalHops = await messageHops();
    const { ledger } = await state(base, ID);
    expect(ledger.completed).toBe(settled.ledger.completed);
    expect(ledger).toMatchObject({ unit: "command", published: 20, completed: 20, inFlight: 0, lost: 0, dropped: 0, duplicates: 0 });
    expect(legOf(ledger, "event store")).toMatchObject({ published: 20, completed: 20, lost: 0, inFlight: 0 });
    expect(legOf(ledger, "read model")).toMatchObject({ published: 20, completed: 20, lost: 0, inFlight: 0 });
    // The query count is the hops' count: fresh read the latest write, stale an older one.
    const queries = queriesOf(finalHops);
    const staleCount = queries.filter((h) => h.read && h.read.version < h.read.written).length;
    expect(ledger.queries).toEqual({ fresh: queries.length - staleCount, stale: staleCount });
    expect(staleCount).toBeGreaterThanOrEqual(3);

    // Caught up: the next queries are fresh, and the gauge reads 0 behind.
    await waitFor("a fresh query at v20", async () => (queriesOf(await messageHops()).some((h) => h.read?.version === 20 && h.read.written === 20) ? true : undefined), 10_000, 100);
    await waitFor("the gauge at 0 behind", async () => ((await lagGauge())?.behind === 0 ? true : undefined), 10_000, 100);
  }, 60_000);
});
