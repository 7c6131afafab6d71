import { connect, type GetMessage } from "amqplib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { gaugeHistorySchema, peekQueueSchema, peekStreamSchema, peekTopicSchema, type ApiError, type ScenarioState } from "../../lib/protocol";
import type { Hopscope } from "../../server/app";
import { createKafka } from "../../server/brokers/kafka";
import { createRedis } from "../../server/brokers/redis";
import { loadConfig } from "../../server/config";
import { DEAD_LETTER_QUEUE, declareJobQueues, DLQ_CHANNEL_ID, JOB_QUEUE, RETRY_QUEUE } from "../../server/scenarios/rabbitmq-work-queue/names";
import { GROUP, TOPIC } from "../../server/scenarios/kafka-consumer-group/names";
import { GROUPS, STREAM } from "../../server/scenarios/redis-streams/names";
import { api, socketClient, startHopscope, state, testNames, waitFor } from "./harness";

const { urls } = loadConfig(process.env);
const WORK_QUEUE = "rabbitmq-work-queue";
const STREAMS = "redis-streams";
const GROUP_SCENARIO = "kafka-consumer-group";
let hopscope: Hopscope;
let base: string;

const command = (id: string, body: unknown) => api<{ ok: boolean; result: Record<string, unknown> }>(base, "POST", `/api/scenarios/${id}/commands`, body);
const peek = (id: string, query = "") => api<unknown>(base, "GET", `/api/scenarios/${id}/peek${query}`);

/**
 * Every message in the dead-letter queue, read by the test on its own connection the only way
 * AMQP allows (taken unacked, then all put back by closing the channel), head first.
 */
async function brokerDeadLetters(): Promise<{ count: number; ids: string[] }> {
  const connection = await connect(urls.rabbitmq);
  try {
    const channel = await connection.createChannel();
    const queue = testNames.name(DEAD_LETTER_QUEUE);
    const { messageCount } = await channel.checkQueue(queue);
    const taken: GetMessage[] = [];
    for (let msg = await channel.get(queue); msg; msg = await channel.get(queue)) taken.push(msg);
    await channel.close();
    return { count: messageCount, ids: taken.map((m) => String(m.properties.messageId)) };
  } finally {
    await connection.close();
  }
}

beforeAll(async () => {
  const connection = await connect(urls.rabbitmq);
  const channel = await connection.createChannel();
  await declareJobQueues(channel, testNames);
  for (const q of [JOB_QUEUE, RETRY_QUEUE, DEAD_LETTER_QUEUE]) await channel.purgeQueue(testNames.name(q));
  await connection.close();
  ({ hopscope, base } = await startHopscope());
});
afterAll(async () => {
  await hopscope.close();
  // Poison jobs parked here would be read by whatever runs next in this namespace.
  const connection = await connect(urls.rabbitmq);
  const channel = await connection.createChannel();
  await channel.purgeQueue(testNames.name(DEAD_LETTER_QUEUE));
  await connection.close();
});

describe("peek at what the broker stores", () => {
  test("RabbitMQ: the dead-letter queue's poison jobs, in order, and still there afterwards", async () => {
    expect((await api(base, "POST", `/api/scenarios/${WORK_QUEUE}/start`)).status).toBe(200);
    expect((await command(WORK_QUEUE, { type: "set", delayMs: 0, failRate: 1, maxAttempts: 1 })).status).toBe(200);
    await command(WORK_QUEUE, { type: "reset" });
    const ids = (await command(WORK_QUEUE, { type: "publish", count: 4 })).body.result.messageIds as string[];
    await waitFor("four parked jobs", async () => {
      const s = await state(base, WORK_QUEUE);
      return s.ledger.deadLettered === 4 && s.ledger.inFlight === 0 ? s : undefined;
    });
    // Parked in the ledger means the worker had the broker's confirm: the broker holds them, in
    // the order the two workers parked them, which need not be the publish order.
    const parked = (await brokerDeadLetters()).ids;
    expect([...parked].sort()).toEqual([...ids].sort());

    const first = await peek(WORK_QUEUE, "?target=dlq");
    expect(first.status).toBe(200);
    const shown = peekQueueSchema.parse(first.body);
    expect(shown).toMatchObject({ kind: "queue", label: DEAD_LETTER_QUEUE, total: 4 });
    expect(shown.messages.map((m) => m.messageId)).toEqual(parked);
    expect(shown.messages.map((m) => m.position)).toEqual([1, 2, 3, 4]);
    for (const m of shown.messages) {
      expect(m.attempts).toBe(1);
      expect(m.size).toBeGreaterThan(0);
      expect(m.preview.length).toBeGreaterThan(0);
    }

    // The broker still holds every one of them, in the same order, and nobody consumes them.
    const after = await brokerDeadLetters();
    expect(after).toEqual({ count: 4, ids: parked });

    // A smaller limit shows the head only, and says how many there are in all.
    const head = peekQueueSchema.parse((await peek(WORK_QUEUE, "?target=dlq&limit=2")).body);
    expect(head.total).toBe(4);
    expect(head.messages.map((m) => m.messageId)).toEqual(parked.slice(0, 2));
    // Peeks one after another leave it whole: the default target is the dead-letter queue.
    const again = peekQueueSchema.parse((await peek(WORK_QUEUE)).body);
    expect(again.messages.map((m) => m.messageId)).toEqual(parked);
    expect((await brokerDeadLetters()).ids).toEqual(parked);

    // The gauge history saw the queue fill: the last reads say 4 parked.
    await waitFor("the parked gauge at 4", async () => ((await state(base, WORK_QUEUE)).gauges[DLQ_CHANNEL_ID]?.parked === 4 ? true : undefined));
    const history = gaugeHistorySchema.parse((await api(base, "GET", `/api/scenarios/${WORK_QUEUE}/gauges/history`)).body);
    const parkedGauge = history.series.find((s) => s.id === DLQ_CHANNEL_ID && s.gauge === "parked");
    expect(parkedGauge?.values.at(-1)).toBe(4);
    expect(history.times.length).toBeGreaterThanOrEqual(2);
    expect(history.times).toEqual([...history.times].sort((a, b) => a - b));

    // A browser gets the same history in its snapshot, then each read in `state`.
    const watcher = socketClient(base);
    try {
      await new Promise((resolve) => watcher.once("hello", resolve));
      const snapshot = await watcher.emitWithAck("watch", { scenarioId: WORK_QUEUE });
      if (!snapshot.ok) throw new Error(snapshot.error.message);
      const inSnapshot = gaugeHistorySchema.parse(snapshot.result.gaugeHistory);
      expect(inSnapshot.series.find((s) => s.id === DLQ_CHANNEL_ID && s.gauge === "parked")?.values.at(-1)).toBe(4);
      const next = await new Promise<ScenarioState>((resolve) => watcher.on("state", (s) => s.gaugesAt !== undefined && resolve(s)));
      expect(next.gaugesAt).toBeGreaterThan(inSnapshot.times.at(-1) ?? Infinity);
      expect(next.gauges[DLQ_CHANNEL_ID]).toMatchObject({ parked: 4 });
    } finally {
      watcher.close();
    }

    await api(base, "POST", `/api/scenarios/${WORK_QUEUE}/stop`);
    // A stopped run has no history; the dead letters outlive it, and can still be peeked at.
    expect(gaugeHistorySchema.parse((await api(base, "GET", `/api/scenarios/${WORK_QUEUE}/gauges/history`)).body).times).toEqual([]);
    expect(peekQueueSchema.parse((await peek(WORK_QUEUE)).body).messages.map((m) => m.messageId)).toEqual(parked);
  });

  test("Redis Streams: pending entries with the consumer that holds each and its idle time", async () => {
    const redis = createRedis({ url: urls.redis, name: "peek-test" });
    const key = testNames.redis(STREAM);
    try {
      await redis.del(key);
      expect((await api(base, "POST", `/api/scenarios/${STREAMS}/start`)).status).toBe(200);
      // Jobs that take a minute: each consumer holds the entry it read, pending, for the whole test:
      // two email-service consumers hold one each, the one analytics-service consumer one.
      expect((await command(STREAMS, { type: "set", delayMs: 60_000, failRate: 0, minIdleMs: 600_000 })).status).toBe(200);
      await command(STREAMS, { type: "publish", count: 3 });
      type Row = [id: string, consumer: string, idleMs: number, deliveries: number];
      const held = await waitFor("entries pending in both groups", async () => {
        const rows = (await Promise.all(GROUPS.map(async (group) => ((await redis.xpending(key, group, "-", "+", 10).catch(() => [])) as Row[]).map(([id, consumer]) => ({ group, id, consumer }))))).flat();
        return rows.length === 3 ? rows : undefined;
      });
      await new Promise((r) => setTimeout(r, 300));

      const res = await peek(STREAMS, "?target=stream&limit=10");
      expect(res.status).toBe(200);
      const shown = peekStreamSchema.parse(res.body);
      expect(shown).toMatchObject({ kind: "stream", label: STREAM, length: 3, claimableAfterMs: 600_000 });
      expect(shown.groups.map((g) => g.name).sort()).toEqual([...GROUPS].sort());
      expect(shown.entries).toHaveLength(3);
      for (const { group, id, consumer } of held) {
        const entry = shown.entries.find((e) => e.id === id);
        const pending = entry?.pending.find((p) => p.group === group);
        expect(pending?.consumer, `${id} in ${group}`).toBe(consumer);
        expect(pending?.idleMs).toBeGreaterThanOrEqual(250);
        expect(pending?.deliveries).toBe(1);
        expect(entry?.messageId).toMatch(/.+/);
      }
      const live = (await state(base, STREAMS)).actors.filter((a) => a.alive).map((a) => a.id);
      for (const entry of shown.entries) for (const p of entry.pending) expect(live).toContain(p.consumer);

      // Reading changed nothing: the same entries are pending with the same consumers, still idle.
      const after = (await Promise.all(GROUPS.map(async (group) => ((await redis.xpending(key, group, "-", "+", 10)) as Row[]).map(([id, consumer, idle]) => ({ group, id, consumer, idle }))))).flat();
      expect(after.map(({ group, id, consumer }) => ({ group, id, consumer }))).toEqual(held);
      for (const row of after) expect(row.idle).toBeGreaterThanOrEqual(250);

      const dlq = peekStreamSchema.parse((await peek(STREAMS, "?target=dlq")).body);
      expect(dlq).toMatchObject({ label: `${STREAM}:dlq`, claimableAfterMs: null, groups: [] });
    } finally {
      await api(base, "POST", `/api/scenarios/${STREAMS}/stop`);
      // Entries left pending with stopped consumers would be claimed in the next test that runs here.
      await redis.del(key);
      redis.disconnect();
    }
  });

  test("Kafka: each partition's stored range and the group's committed offset, as the broker's admin API has them", async () => {
    const admin = createKafka({ brokers: urls.kafka, clientId: "peek-test" }).admin();
    await admin.connect();
    try {
      expect((await api(base, "POST", `/api/scenarios/${GROUP_SCENARIO}/start`)).status).toBe(200);
      await command(GROUP_SCENARIO, { type: "reset" });
      await command(GROUP_SCENARIO, { type: "publish", count: 6 });
      await waitFor("six records processed", async () => ((await state(base, GROUP_SCENARIO)).ledger.completed >= 6 ? true : undefined), 60_000);
      // Committed offsets follow within a commit interval: wait until the broker says no lag.
      const offsets = await waitFor(
        "the group's commits",
        async () => {
          const shown = peekTopicSchema.parse((await peek(GROUP_SCENARIO, "?target=topic")).body);
          return shown.partitions.every((p) => p.lag === 0) ? shown : undefined;
        },
        20_000,
        250,
      );
      expect(offsets).toMatchObject({ kind: "topic", label: TOPIC, group: GROUP });
      const broker = await admin.fetchTopicOffsets(testNames.name(TOPIC));
      expect(offsets.partitions.map((p) => [p.partition, p.low, p.high])).toEqual(broker.map((b) => [b.partition, Number(b.low), Number(b.high)]).sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0)));
      expect(offsets.partitions.reduce((sum, p) => sum + p.high - p.low, 0)).toBeGreaterThanOrEqual(6);
      for (const p of offsets.partitions) expect(p.committed ?? p.low).toBe(p.high);
    } finally {
      await api(base, "POST", `/api/scenarios/${GROUP_SCENARIO}/stop`);
      await admin.disconnect();
    }
  });

  test("bad parameters are refused with a 4xx that says why", async () => {
    const refused = async (path: string, status: number, says: RegExp) => {
      const res = await api<{ ok: false; error: ApiError }>(base, "GET", path);
      expect(res.status, path).toBe(status);
      expect(res.body.ok).toBe(false);
      expect(res.body.error.message, path).toMatch(says);
    };
    await refused(`/api/scenarios/${WORK_QUEUE}/peek?limit=0`, 400, /limit/);
    await refused(`/api/scenarios/${WORK_QUEUE}/peek?limit=51`, 400, /limit/);
    await refused(`/api/scenarios/${WORK_QUEUE}/peek?limit=many`, 400, /limit/);
    await refused(`/api/scenarios/${WORK_QUEUE}/peek?target=retry`, 400, /target: .*Known: dlq/);
    await refused(`/api/scenarios/${WORK_QUEUE}/peek?target=..%2Fetc`, 400, /target/);
    await refused(`/api/scenarios/${WORK_QUEUE}/peek?taget=dlq`, 400, /taget/);
    await refused(`/api/scenarios/${WORK_QUEUE}/peek/dlq`, 404, /\?target=/);
    await refused(`/api/scenarios/nats-request-reply/peek`, 404, /nothing to peek at.*rabbitmq-work-queue/);
    await refused(`/api/scenarios/no-such-scenario/peek`, 404, /No scenario/);
    await refused(`/api/scenarios/${WORK_QUEUE}/gauges/now`, 404, /gauges\/history/);
    const post = await api(base, "POST", `/api/scenarios/${WORK_QUEUE}/peek`);
    expect(post.status).toBe(405);
  });
});

describe("beyond loopback", () => {
  test("only the presenter may peek: the audience gets 403 and no broker is asked", async () => {
    const token = "a-presenter-token-for-peek-tests";
    const workshop = await startHopscope({ HOST: "0.0.0.0", HOPSCOPE_TOKEN: token });
    try {
      const audience = await api<{ ok: false; error: ApiError }>(workshop.base, "GET", `/api/scenarios/${WORK_QUEUE}/peek`);
      expect(audience.status).toBe(403);
      expect(audience.body.error.message).toMatch(/presenter/);
      const presenter = await api(workshop.base, "GET", `/api/scenarios/${WORK_QUEUE}/peek`, undefined, { authorization: `Bearer ${token}` });
      expect(presenter.status).toBe(200);
      expect(peekQueueSchema.parse(presenter.body).label).toBe(DEAD_LETTER_QUEUE);
      // The history is a picture everyone sees, like the state.
      expect((await api(workshop.base, "GET", `/api/scenarios/${WORK_QUEUE}/gauges/history`)).status).toBe(200);
    } finally {
      await workshop.hopscope.close();
    }
  });
});
