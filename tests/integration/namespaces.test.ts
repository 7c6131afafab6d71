import { connect as connectAmqp } from "amqplib";
import Redis from "ioredis";
import { connect as connectNats } from "nats";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isMessageHop, type ScenarioState } from "../../lib/protocol";
import type { Hopscope } from "../../server/app";
import { createKafka } from "../../server/brokers/kafka";
import { namespace, type Namespace } from "../../server/brokers/namespace";
import { loadConfig } from "../../server/config";
import { GROUP, TOPIC } from "../../server/scenarios/kafka-consumer-group/names";
import { ORDERS_STREAM } from "../../server/scenarios/nats-jetstream/names";
import { declareJobQueues, DEAD_LETTER_QUEUE, JOB_QUEUE, RETRY_QUEUE } from "../../server/scenarios/rabbitmq-work-queue/names";
import { DLQ_STREAM, STREAM } from "../../server/scenarios/redis-streams/names";
import { api, everyHop, startHopscope, state, TEST_NAMESPACE, waitFor } from "./harness";

/**
 * Two Hopscopes on the same brokers, as a class sharing one broker would run them, or `npm test`
 * beside a running dashboard: each publishes, and each must see its own messages only, all of
 * them, while the other runs the same scenario at the same time.
 */
const urls = loadConfig(process.env).urls;
const first = namespace(`${TEST_NAMESPACE}-first`);
const second = namespace(`${TEST_NAMESPACE}-second`);

/** The durable objects earlier runs may have left with messages in them. */
async function cleanSlate(names: Namespace): Promise<void> {
  const amqp = await connectAmqp(urls.rabbitmq);
  try {
    const channel = await amqp.createChannel();
    await declareJobQueues(channel, names);
    for (const queue of [JOB_QUEUE, RETRY_QUEUE, DEAD_LETTER_QUEUE]) await channel.purgeQueue(names.name(queue));
  } finally {
    await amqp.close();
  }
  const nc = await connectNats({ servers: urls.nats });
  await (await nc.jetstreamManager()).streams.delete(names.jetstream(ORDERS_STREAM)).catch(() => false);
  await nc.close();
  const redis = new Redis(urls.redis);
  await redis.del(names.redis(STREAM), names.redis(DLQ_STREAM));
  redis.disconnect();
  const admin = createKafka({ brokers: urls.kafka, clientId: "namespaces-test" }).admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(names.name(TOPIC))) await admin.deleteTopics({ topics: [names.name(TOPIC)], timeout: 10_000 });
    await admin.deleteGroups([names.name(GROUP)]).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

let servers: { hopscope: Hopscope; base: string }[] = [];

beforeAll(async () => {
  await Promise.all([cleanSlate(first), cleanSlate(second)]);
  servers = [await startHopscope({ HOPSCOPE_NAMESPACE: first.id }), await startHopscope({ HOPSCOPE_NAMESPACE: second.id })];
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.hopscope.close()));
});

const publishes = (base: string, id: string, count: number) => api<{ result: { messageIds: string[] } }>(base, "POST", `/api/scenarios/${id}/commands`, { type: "publish", count });

describe("two Hopscopes sharing the brokers", () => {
  test("each shows its namespace", async () => {
    const [a, b] = await Promise.all(servers.map((s) => api<{ namespace?: string }>(s.base, "GET", "/api/health")));
    expect([a?.body.namespace, b?.body.namespace]).toEqual([first.id, second.id]);
  });

  // One scenario per broker, each holding broker objects that outlive a run (a durable queue, a
  // stream, a consumer group) or sharing a queue group.
  test.each([
    ["rabbitmq-work-queue", 60, 40],
    ["nats-queue-group", 60, 40],
    ["nats-jetstream", 60, 40],
    ["redis-streams", 30, 20],
    ["kafka-consumer-group", 30, 20],
  ])("%s on both: each ledger holds exactly its own messages", async (id, firstCount, secondCount) => {
    const [a, b] = servers as [(typeof servers)[0], (typeof servers)[0]];
    for (const { base } of servers) expect((await api(base, "POST", `/api/scenarios/${id}/start`)).status).toBe(200);
    try {
      // Short work: what is tested is whose messages each takes, not how long they take; both
      // still run side by side for the whole burst.
      for (const { base } of servers) expect((await api(base, "POST", `/api/scenarios/${id}/commands`, { type: "set", delayMs: 20 })).status).toBe(200);
      const [sentA, sentB] = await Promise.all([publishes(a.base, id, firstCount), publishes(b.base, id, secondCount)]);
      expect(sentA.status).toBe(200);
      expect(sentB.status).toBe(200);
      const own = [new Set(sentA.body.result.messageIds), new Set(sentB.body.result.messageIds)];
      expect(own[0]?.size).toBe(firstCount);

      const settled = async (base: string, count: number): Promise<ScenarioState | undefined> => {
        const s = await state(base, id);
        return s.ledger.published === count && s.ledger.inFlight === 0 ? s : undefined;
      };
      const [doneA, doneB] = await Promise.all([
        waitFor(`${id} on the first to settle`, () => settled(a.base, firstCount), 60_000, 250),
        waitFor(`${id} on the second to settle`, () => settled(b.base, secondCount), 60_000, 250),
      ]);
      for (const [done, count] of [
        [doneA, firstCount],
        [doneB, secondCount],
      ] as const) {
        expect(done.ledger).toMatchObject({ published: count, lost: 0, inFlight: 0, dropped: 0 });
        expect(done.ledger.completed).toBe(count);
      }

      // Not one hop of a message the other published: no worker took a foreign job.
      for (const [index, { base }] of servers.entries()) {
        const foreign = (await everyHop(base, id)).filter(isMessageHop).filter((h) => !own[index]?.has(h.message.id));
        expect(foreign.map((h) => `${h.kind} ${h.message.id}`)).toEqual([]);
      }
    } finally {
      for (const { base } of servers) await api(base, "POST", `/api/scenarios/${id}/stop`);
    }
  });
});
