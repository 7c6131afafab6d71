import type { Consumer, EachMessagePayload } from "kafkajs";
import type { MessageDescriptor } from "../../../lib/protocol";
import { replaceMe } from "../../actors/kit";
import { describeMessage, listening, now, sleep, type ActorProgram } from "../../actors/runtime";
import { createKafka, ensureTopic, headerOf, MESSAGE_ID_HEADER } from "../../brokers/kafka";
import { createRedis, ready } from "../../brokers/redis";
import { connectionTracker } from "../shared/story";
import { COMMIT_INTERVAL_MS, PARTITIONS, PROJECTOR_GROUP, READ_MODEL, READ_MODEL_CHANNEL_ID, SESSION_TIMEOUT_MS, TOPIC, TOPIC_CHANNEL_ID, TRACE_FIELD, VERSION_FIELD, viewWriteId, WRITTEN_AT_FIELD } from "./names";

/**
 * Applies one event to the read model, only if it is newer than what the model holds: a
 * projector that starts from the last committed offset reads again what its predecessor
 * applied since, and must not apply it twice. Answers 0 when applied, or the model's version.
 * KEYS: the read model. ARGV: version, write time, trace id, task id, the task's view.
 */
const APPLY_EVENT = `
local current = tonumber(redis.call('HGET', KEYS[1], '${VERSION_FIELD}') or '0')
if tonumber(ARGV[1]) <= current then return current end
redis.call('HSET', KEYS[1], '${VERSION_FIELD}', ARGV[1], '${WRITTEN_AT_FIELD}', ARGV[2], '${TRACE_FIELD}', ARGV[3], ARGV[4], ARGV[5])
return 0
`;

/** Heartbeats at most this far apart while an event is worked on, so a slow event is not a dead member. */
const HEARTBEAT_SLICE_MS = 500;

function viewOf(value: Buffer | null, version: number): { taskId: string; view: string } | null {
  try {
    const event = JSON.parse(value?.toString() ?? "null") as { taskId?: unknown; title?: unknown; status?: unknown } | null;
    if (typeof event?.taskId !== "string") return null;
    return { taskId: event.taskId, view: JSON.stringify({ title: event.title, status: event.status, version }) };
  } catch {
    return null;
  }
}

/**
 * A member of the projector group: it reads the event store from its group's committed offset
 * and folds each event into the read model in Redis. It reports the Redis write before the
 * record counts as processed, and both before kafkajs may commit past it; killed in between,
 * the next member reads the event again and finds it already applied.
 */
export const projector: ActorProgram<"delayMs"> = async (ctx) => {
  const self = ctx.spec.id;
  const topic = ctx.names.name(TOPIC);
  const readModel = ctx.names.redis(READ_MODEL);
  const onConnected = connectionTracker(ctx, ["kafka", "redis"]);
  const redis = createRedis({ url: ctx.urlOf("redis"), name: self, onConnectedChange: onConnected("redis") });
  await ready(redis);
  const kafka = createKafka({ brokers: ctx.urlOf("kafka"), clientId: self, log: ctx.log });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopic(admin, topic, PARTITIONS);
  await admin.disconnect();

  let last: MessageDescriptor | null = null;
  let lastCommitted: string | null = null;
  let consumer: Consumer | null = null;
  let closing = false;

  const onMessage = async ({ partition, message, heartbeat }: EachMessagePayload) => {
    const id = headerOf(message.headers, MESSAGE_ID_HEADER) ?? `untracked-${partition}-${message.offset}`;
    const version = Number(message.offset) + 1;
    const record: MessageDescriptor = { ...describeMessage({ id, destination: TOPIC, attempt: 1, redelivered: false }, message.value ?? Buffer.alloc(0)), partition, offset: message.offset, ...(message.key ? { key: message.key.toString() } : {}) };
    ctx.emit({ kind: "delivered", from: TOPIC_CHANNEL_ID, to: self, message: record });
    for (let left = ctx.settings.delayMs; left > 0; left -= HEARTBEAT_SLICE_MS) {
      await sleep(Math.min(left, HEARTBEAT_SLICE_MS));
      await heartbeat();
    }
    const task = viewOf(message.value, version);
    if (task) {
      const write = describeMessage({ id: viewWriteId(id), traceId: id, destination: READ_MODEL, attempt: 1, redelivered: false }, Buffer.from(task.view));
      const sentAt = now();
      ctx.emit({ kind: "published", broker: "redis", from: self, to: READ_MODEL_CHANNEL_ID, message: write, at: sentAt });
      await ctx.flush();
      const answer = Number(await redis.eval(APPLY_EVENT, 1, readModel, version, message.timestamp, id, task.taskId, task.view));
      const reason = answer === 0 ? `read model at v${version}` : `already applied (read model at v${answer}): skipped`;
      ctx.emit({ kind: "confirmed", broker: "redis", from: READ_MODEL_CHANNEL_ID, to: self, message: write, rttMs: now() - sentAt, reason });
    }
    ctx.emit({ kind: "processed", from: self, to: TOPIC_CHANNEL_ID, message: record });
    await ctx.flush();
    last = record;
  };

  const start = async () => {
    const next = kafka.consumer({ groupId: ctx.names.name(PROJECTOR_GROUP), sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: 500, rebalanceTimeout: 15_000, maxWaitTimeInMs: 250 });
    consumer = next;
    next.on(next.events.GROUP_JOIN, ({ payload }) => {
      const partitions = [...(payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
      ctx.note("rebalanced", { partitions, reason: `${PROJECTOR_GROUP}: ${partitions.length ? "projects" : "stands by"}` });
    });
    next.on(next.events.COMMIT_OFFSETS, ({ payload }) => {
      for (const { partitions } of payload.topics) {
        for (const { offset } of partitions) {
          if (!last || lastCommitted === offset) continue;
          lastCommitted = offset;
          ctx.emit({ kind: "committed", from: self, to: TOPIC_CHANNEL_ID, message: last, reason: `offset ${offset} committed for ${PROJECTOR_GROUP}` });
        }
      }
    });
    next.on(next.events.CRASH, ({ payload }) => {
      if (closing || payload.restart) return;
      // Not a retriable error: this actor leaves, and the supervisor starts a fresh projector.
      replaceMe(ctx, `consumer crashed: ${payload.error.message.slice(0, 120)}`);
    });
    next.on(next.events.CONNECT, () => onConnected("kafka")(true));
    next.on(next.events.DISCONNECT, () => onConnected("kafka")(false));
    await next.connect();
    // A group that never committed starts at the first event: the read model needs every one.
    await next.subscribe({ topic, fromBeginning: true });
    await next.run({ autoCommit: true, autoCommitInterval: COMMIT_INTERVAL_MS, eachMessage: onMessage });
  };
  await start();

  return listening(async () => {
    closing = true;
    await consumer?.disconnect().catch(() => undefined);
    redis.disconnect();
  });
};
