import { outgoing } from "../../actors/kit";
import { describeMessage, messageIds, now, type ActorProgram } from "../../actors/runtime";
import { createKafka, ensureTopic, MESSAGE_ID_HEADER } from "../../brokers/kafka";
import { DRIVER_STATUS, driverStatusChange } from "../shared/driver-status";
import { PARTITIONS, TOPIC_ID } from "./names";

/** Appends each change to the topic, keyed by driver, and waits for Kafka to have stored it (acks=all). */
export const driverApp: ActorProgram = async (ctx) => {
  const self = ctx.spec.id;
  const topic = ctx.names.name(DRIVER_STATUS);
  const kafka = createKafka({ brokers: ctx.spec.brokerUrl, clientId: self, log: ctx.log });
  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  await ensureTopic(admin, topic, PARTITIONS);
  await admin.disconnect();
  const nextId = messageIds();
  return {
    async handle(command) {
      if (command.type !== "publish") return null;
      const records = [...outgoing(command, nextId, driverStatusChange)].map(({ id, body }) => {
        const driverId = (JSON.parse(body.toString("utf8")) as { driverId?: unknown }).driverId;
        const key = command.key ?? (typeof driverId === "string" ? driverId : "driver");
        return { id, key, body, message: { ...describeMessage({ id, destination: DRIVER_STATUS, attempt: 1, redelivered: false }, body), key } };
      });
      const sentAt = now();
      for (const r of records) ctx.emit({ kind: "published", from: self, to: TOPIC_ID, message: r.message, at: sentAt });
      const started = performance.now();
      try {
        const answers = await producer.send({ topic, acks: -1, messages: records.map((r) => ({ key: r.key, value: r.body, headers: { [MESSAGE_ID_HEADER]: r.id } })) });
        const rttMs = performance.now() - started;
        let offset = BigInt(answers[0]?.baseOffset ?? "0");
        for (const r of records) ctx.emit({ kind: "confirmed", from: TOPIC_ID, to: self, message: { ...r.message, partition: 0, offset: (offset++).toString() }, rttMs });
      } catch (error) {
        const reason = `not stored: ${error instanceof Error ? error.message : String(error)}`.slice(0, 200);
        for (const r of records) ctx.emit({ kind: "dropped", from: self, to: TOPIC_ID, message: r.message, reason });
        throw error;
      }
      return { messageIds: records.map((r) => r.id) };
    },
    async close() {
      await producer.disconnect().catch(() => undefined);
    },
  };
};
