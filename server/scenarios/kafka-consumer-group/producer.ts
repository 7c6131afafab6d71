import { outgoing } from "../../actors/kit";
import { describeMessage, messageIds, now, type ActorProgram } from "../../actors/runtime";
import { createKafka, ensureTopic, KEY_SEQ_HEADER, MESSAGE_ID_HEADER, partitionCount, partitionForKey } from "../../brokers/kafka";
import { partitionChannelId, SAMPLE_KEYS, TOPIC } from "./names";

const sampleKey = (n: number) => SAMPLE_KEYS[n % SAMPLE_KEYS.length] ?? "customer-1";
const sampleOrder = (n: number, key: string) => ({ orderId: `order-${1000 + n}`, customerId: key, status: "created", total: Math.round((10 + ((n * 37) % 190)) * 100) / 100 });

/**
 * Sends keyed order events and reports where each landed. The partition is chosen here with
 * Kafka's own partitioner, so the published arrow already points at the right partition.
 */
export const kafkaProducer: ActorProgram<"partitions"> = async (ctx) => {
  const self = ctx.spec.id;
  const topic = ctx.names.name(TOPIC);
  const kafka = createKafka({ brokers: ctx.spec.brokerUrl, clientId: self, log: ctx.log });
  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  let partitions = await ensureTopic(admin, topic, ctx.settings.partitions);
  const nextId = messageIds();
  // Microseconds since the epoch, then +1 per record: a replacement producer keeps counting
  // upwards, so its records never look older than those of the one it replaced.
  let keySeq = Math.floor(Date.now() * 1_000);

  return {
    async handle(command) {
      if (command.type === "settings") {
        // The engine asks this producer before it takes a new partition count: it may refuse.
        const wanted = command.settings.partitions;
        if (wanted !== undefined) {
          const current = await partitionCount(admin, topic);
          if (wanted < current) throw new Error(`partitions: ${TOPIC} has ${current}; Kafka can add partitions to a topic, never remove them`);
          partitions = await ensureTopic(admin, topic, wanted);
        }
        return { partitions };
      }
      if (command.type !== "publish") return null;
      // Asked again per publish: the count read at start can be short of the real one when a
      // consumer was creating the topic at that moment, and every key would then hash to p0.
      partitions = Math.max(partitions, await partitionCount(admin, topic));
      const keyOf = (n: number) => command.key ?? sampleKey(n);
      const records = [...outgoing(command, nextId, (n) => sampleOrder(n, keyOf(n)))].map(({ id, n, body }) => {
        const key = keyOf(n);
        const partition = partitionForKey(topic, key, partitions);
        const message = { ...describeMessage({ id, destination: TOPIC, attempt: 1, redelivered: false }, body), partition, key, keySeq: ++keySeq };
        return { id, key, value: body, partition, message };
      });
      const sentAt = now();
      for (const r of records) ctx.emit({ kind: "published", from: self, to: partitionChannelId(r.partition), message: r.message, at: sentAt });
      const started = performance.now();
      let answers: Awaited<ReturnType<typeof producer.send>>;
      try {
        answers = await producer.send({
          topic,
          acks: -1,
          messages: records.map((r) => ({ key: r.key, value: r.value, partition: r.partition, headers: { [MESSAGE_ID_HEADER]: r.id, [KEY_SEQ_HEADER]: String(r.message.keySeq) } })),
        });
      } catch (error) {
        // Unconfirmed is not safe: said as it is, rather than left in flight for ever.
        const reason = `not confirmed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 200);
        for (const r of records) ctx.emit({ kind: "dropped", from: self, to: partitionChannelId(r.partition), message: r.message, reason });
        throw error;
      }
      const rttMs = performance.now() - started;
      // Kafka answers with each partition's first new offset; records follow in send order.
      const nextOffset = new Map(answers.map((a) => [a.partition, BigInt(a.baseOffset ?? "0")]));
      for (const r of records) {
        const offset = nextOffset.get(r.partition) ?? 0n;
        nextOffset.set(r.partition, offset + 1n);
        ctx.emit({ kind: "confirmed", from: partitionChannelId(r.partition), to: self, message: { ...r.message, offset: offset.toString() }, rttMs });
      }
      return { messageIds: records.map((r) => r.id), partitions: records.map((r) => r.partition) };
    },
    async close() {
      await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
    },
  };
};
