import type { Consumer, EachMessagePayload } from "kafkajs";
import type { MessageDescriptor } from "../../../lib/protocol";
import { replaceMe } from "../../actors/kit";
import { describeMessage, listening, sleep, type ActorContext, type ActorProgram } from "../../actors/runtime";
import { createKafka, ensureTopic, headerOf, KEY_SEQ_HEADER, MESSAGE_ID_HEADER, TRACE_ID_HEADER } from "../../brokers/kafka";
import type { Namespace } from "../../brokers/namespace";

/** Offsets of processed records are committed this often: what a killed consumer had processed since is read again. */
export const COMMIT_INTERVAL_MS = 1_000;
/** Kafka's minimum by default: a killed consumer leaves its group this long after its last heartbeat. */
export const SESSION_TIMEOUT_MS = 6_000;

/** Which group a member joins: `groupName` is the one the picture shows, `groupId` the broker's. */
export interface GroupChoice {
  groupId: string;
  groupName: string;
  fromBeginning: boolean;
}

/** What a member of a consumer group reads, where it draws it, and how long its work takes. */
export interface GroupConsumerPlan<K extends string> {
  /** The topic, as the seeds name it; the broker sees it in the instance's namespace. */
  topic: string;
  group: (role: string, actorId: string, names: Namespace) => GroupChoice;
  /** The node a partition's records come from in the picture. */
  channelOf: (partition: number) => string;
  /** How many partitions the topic has, should this member be the first to need it. */
  partitions: (ctx: ActorContext<K>) => number;
  /** Work per record. */
  delayMs: (ctx: ActorContext<K>) => number;
}

/** Heartbeats at most this far apart while a record is worked on, so a slow record is not a dead member. */
const HEARTBEAT_SLICE_MS = 500;

/**
 * A member of a consumer group. It reports each partition assignment, every record read and
 * processed, and each offset commit; kafkajs commits processed offsets every second and before
 * a rebalance, so only a kill leaves processed records uncommitted.
 */
export function groupConsumer<K extends string>(plan: GroupConsumerPlan<K>): ActorProgram<K> {
  return async (ctx) => {
    const self = ctx.spec.id;
    const topic = ctx.names.name(plan.topic);
    const { groupId, groupName, fromBeginning } = plan.group(ctx.spec.role, self, ctx.names);
    const partitionChannelId = plan.channelOf;
    const kafka = createKafka({ brokers: ctx.spec.brokerUrl, clientId: self, log: ctx.log });
    // The producer makes the topic, but a consumer may start first.
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopic(admin, topic, plan.partitions(ctx));
    await admin.disconnect();

    /** Per partition: the last record processed, to name the message an offset commit covers. */
    const processed = new Map<number, MessageDescriptor>();
    const committed = new Map<number, string>();
    let consumer: Consumer | null = null;
    let closing = false;

    const onMessage = async ({ partition, message, heartbeat }: EachMessagePayload) => {
      const id = headerOf(message.headers, MESSAGE_ID_HEADER) ?? `untracked-${partition}-${message.offset}`;
      const keySeq = Number(headerOf(message.headers, KEY_SEQ_HEADER));
      const traceId = headerOf(message.headers, TRACE_ID_HEADER) ?? id;
      const descriptor: MessageDescriptor = {
        ...describeMessage({ id, traceId, destination: groupName, attempt: 1, redelivered: false }, message.value ?? Buffer.alloc(0)),
        partition,
        offset: message.offset,
        ...(message.key ? { key: message.key.toString() } : {}),
        ...(Number.isSafeInteger(keySeq) && keySeq > 0 ? { keySeq } : {}),
      };
      const channel = partitionChannelId(partition);
      ctx.emit({ kind: "delivered", from: channel, to: self, message: descriptor });
      for (let left = plan.delayMs(ctx); left > 0; left -= HEARTBEAT_SLICE_MS) {
        await sleep(Math.min(left, HEARTBEAT_SLICE_MS));
        await heartbeat();
      }
      ctx.emit({ kind: "processed", from: self, to: channel, message: descriptor });
      // Handed over before kafkajs can commit past this record (it commits what eachMessage has
      // returned from, at once when its interval is up): a hop lost to a kill after that commit
      // would leave the record in flight for good. Killed before it, the record is read again by
      // the partition's next owner: a duplicate, counted.
      await ctx.flush();
      processed.set(partition, descriptor);
    };

    const start = async () => {
      // Metadata every 2 s: partitions added while running are noticed, and the group rebalances.
      const next = kafka.consumer({ groupId, sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: 500, rebalanceTimeout: 15_000, maxWaitTimeInMs: 250, metadataMaxAge: 2_000 });
      consumer = next;
      next.on(next.events.GROUP_JOIN, ({ payload }) => {
        const partitions = [...(payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
        // Records of partitions it gave up are no longer its to commit.
        for (const p of [...processed.keys()]) if (!partitions.includes(p)) processed.delete(p);
        ctx.note("rebalanced", { partitions, reason: `${groupName}${payload.isLeader ? " (leader)" : ""}: joined in ${payload.duration} ms` });
      });
      next.on(next.events.COMMIT_OFFSETS, ({ payload }) => {
        for (const committedTopic of payload.topics) {
          for (const { partition, offset } of committedTopic.partitions) {
            const last = processed.get(Number(partition));
            if (!last || committed.get(Number(partition)) === offset) continue;
            committed.set(Number(partition), offset);
            ctx.emit({ kind: "committed", from: self, to: partitionChannelId(Number(partition)), message: last, reason: `offset ${offset} committed for ${groupName}` });
          }
        }
      });
      next.on(next.events.CRASH, ({ payload }) => {
        if (closing) return;
        // kafkajs restarts a consumer after a retriable error by itself; after any other, this
        // actor replaces the client, so the member comes back either way.
        ctx.note("consumer-restarted", { reason: `${payload.error.message.slice(0, 120)}${payload.restart ? "" : "; replacing the client"}` });
        if (!payload.restart) {
          void next
            .disconnect()
            .catch(() => undefined)
            .then(() => sleep(1_000))
            .then(() => (closing ? undefined : start()))
            .catch((error: unknown) => {
              // Still no broker: the engine replaces this actor once the broker answers.
              replaceMe(ctx, `restart failed: ${String(error)}`);
            });
        }
      });
      next.on(next.events.CONNECT, () => ctx.setConnected(true));
      next.on(next.events.DISCONNECT, () => ctx.setConnected(false));
      await next.connect();
      await next.subscribe({ topic, fromBeginning });
      await next.run({ autoCommit: true, autoCommitInterval: COMMIT_INTERVAL_MS, eachMessage: onMessage });
    };
    await start();

    return listening(async () => {
      closing = true;
      await consumer?.disconnect().catch(() => undefined);
    });
  };
}
