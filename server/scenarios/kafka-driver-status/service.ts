import type { Consumer, EachMessagePayload } from "kafkajs";
import type { MessageDescriptor } from "../../../lib/protocol";
import { replaceMe } from "../../actors/kit";
import { describeMessage, listening, sleep, type ActorProgram } from "../../actors/runtime";
import { createKafka, ensureTopic, MESSAGE_ID_HEADER } from "../../brokers/kafka";
import { DRIVER_STATUS, serviceWork } from "../shared/driver-status";
import { COMMIT_INTERVAL_MS, PARTITIONS, SESSION_TIMEOUT_MS, TOPIC_ID } from "./names";

/**
 * A service following driver status in a consumer group of its own, named after it: Kafka keeps
 * the group's committed offset, so a service that comes back reads on from there, through
 * whatever was sent while it was down.
 */
export const driverStatusService: ActorProgram<"delayMs"> = async (ctx) => {
  const self = ctx.spec.id;
  const service = ctx.spec.role;
  const topic = ctx.names.name(DRIVER_STATUS);
  const kafka = createKafka({ brokers: ctx.spec.brokerUrl, clientId: self, log: ctx.log });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopic(admin, topic, PARTITIONS);
  await admin.disconnect();

  let lastProcessed: MessageDescriptor | null = null;
  let lastCommitted: string | null = null;
  let consumer: Consumer | null = null;
  let closing = false;

  const onMessage = async ({ partition, message, heartbeat }: EachMessagePayload) => {
    const id = message.headers?.[MESSAGE_ID_HEADER]?.toString() ?? `untracked-${partition}-${message.offset}`;
    const body = message.value ?? Buffer.alloc(0);
    const descriptor: MessageDescriptor = { ...describeMessage({ id, destination: service, attempt: 1, redelivered: false }, body), partition, offset: message.offset, ...(message.key ? { key: message.key.toString() } : {}) };
    ctx.emit({ kind: "delivered", from: TOPIC_ID, to: self, message: descriptor });
    await sleep(ctx.settings.delayMs);
    await heartbeat();
    ctx.emit({ kind: "processed", from: self, to: TOPIC_ID, message: descriptor, reason: serviceWork(service, body.toString("utf8")) });
    // Reported before kafkajs may commit past it: a kill after the commit must not leave it in flight.
    await ctx.flush();
    lastProcessed = descriptor;
  };

  const start = async () => {
    const next = kafka.consumer({ groupId: ctx.names.name(service), sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: 500, rebalanceTimeout: 15_000, maxWaitTimeInMs: 250 });
    consumer = next;
    next.on(next.events.GROUP_JOIN, ({ payload }) => ctx.note("rebalanced", { partitions: [...(payload.memberAssignment[topic] ?? [])], reason: `group ${service}: joined in ${payload.duration} ms` }));
    next.on(next.events.COMMIT_OFFSETS, ({ payload }) => {
      const offset = payload.topics[0]?.partitions[0]?.offset;
      if (!lastProcessed || offset === undefined || offset === lastCommitted) return;
      lastCommitted = offset;
      ctx.emit({ kind: "committed", from: self, to: TOPIC_ID, message: lastProcessed, reason: `offset ${offset} committed for ${service}` });
    });
    next.on(next.events.CRASH, ({ payload }) => {
      if (closing || payload.restart) return;
      // kafkajs restarts itself after a retriable error; after any other, the engine starts a fresh service.
      replaceMe(ctx, `consumer crashed: ${payload.error.message.slice(0, 120)}`);
    });
    next.on(next.events.CONNECT, () => ctx.setConnected(true));
    next.on(next.events.DISCONNECT, () => ctx.setConnected(false));
    await next.connect();
    // A group that never committed starts at the beginning, so nothing sent before its first commit is skipped.
    await next.subscribe({ topic, fromBeginning: true });
    await next.run({ autoCommit: true, autoCommitInterval: COMMIT_INTERVAL_MS, eachMessage: onMessage });
  };
  await start();

  return listening(async () => {
    closing = true;
    await consumer?.disconnect().catch(() => undefined);
  });
};
