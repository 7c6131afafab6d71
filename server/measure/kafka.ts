import { Kafka, logLevel, type Admin, type Producer } from "kafkajs";
import { probeKafka } from "../brokers/kafka";
import { withClient, type MeasureContext, type Transport } from "./transport";

/** Records one produce request carries at most. */
const BATCH = 500;

/**
 * Few retries and short timeouts: a Kafka that is down fails the step quickly. Errors stay
 * silent, the step reports them.
 */
function kafkaOf(ctx: MeasureContext, name: string): Kafka {
  return new Kafka({
    clientId: `hopscope-measure-${name}`,
    brokers: ctx.urls.kafka.split(",").map((b) => b.trim()),
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { initialRetryTime: 200, maxRetryTime: 1_000, retries: 3 },
    logLevel: logLevel.NOTHING,
  });
}

function withAdmin<T>(ctx: MeasureContext, use: (admin: Admin) => Promise<T>): Promise<T> {
  return withClient(
    async () => {
      const admin = kafkaOf(ctx, "admin").admin();
      await admin.connect();
      return admin;
    },
    (admin) => admin.disconnect(),
    use,
  );
}

/**
 * Sends gather while a produce request is out and go in the next one, as the Java client's
 * linger does: one request per message would measure the request rate, not Kafka's.
 */
function batchingSender(producer: Producer, topic: string) {
  const pending: { payload: Buffer; resolve: () => void; reject: (error: unknown) => void }[] = [];
  let sending = false;
  const flush = async () => {
    if (sending || pending.length === 0) return;
    sending = true;
    const batch = pending.splice(0, BATCH);
    try {
      await producer.send({ topic, acks: -1, messages: batch.map((p) => ({ value: p.payload })) });
      for (const p of batch) p.resolve();
    } catch (error) {
      for (const p of batch) p.reject(error);
    } finally {
      sending = false;
      if (pending.length > 0) void flush();
    }
  };
  return (payload: Buffer) =>
    new Promise<void>((resolve, reject) => {
      pending.push({ payload, resolve, reject });
      if (pending.length === 1) setImmediate(() => void flush());
    });
}

export const kafka: Transport = {
  id: "kafka",
  path: "produce (acks=all) → consumed in a consumer group",
  roundTrip: false,
  probe: (urls, timeoutMs) => probeKafka(urls.kafka, timeoutMs),
  async prepare(ctx) {
    await withAdmin(ctx, (admin) => admin.createTopics({ topics: [{ topic: ctx.names.kafkaTopic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true }));
  },
  async receive(ctx, onMessage) {
    const consumer = kafkaOf(ctx, "consumer").consumer({ groupId: ctx.names.kafkaGroup, maxWaitTimeInMs: 100, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.connect();
    await consumer.subscribe({ topic: ctx.names.kafkaTopic, fromBeginning: true });
    await consumer.run({
      // Offsets committed by kafkajs between batches, as a consumer with default settings does.
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) if (message.value) onMessage(message.value);
      },
    });
    await joined;
    return { info: {}, close: () => consumer.disconnect() };
  },
  async sender(ctx) {
    const producer = kafkaOf(ctx, "producer").producer({ allowAutoTopicCreation: false });
    await producer.connect();
    return { send: batchingSender(producer, ctx.names.kafkaTopic), close: () => producer.disconnect() };
  },
  async cleanup(ctx) {
    await withAdmin(ctx, async (admin) => {
      // The group outlives its last member until deleted; the consumer has left by now.
      await admin.deleteGroups([ctx.names.kafkaGroup]).catch(() => undefined);
      await admin.deleteTopics({ topics: [ctx.names.kafkaTopic], timeout: 10_000 });
    });
  },
  async remains(ctx) {
    return withAdmin(ctx, async (admin) => {
      const [topics, groups] = await Promise.all([admin.listTopics(), admin.listGroups()]);
      return [...topics, ...groups.groups.map((g) => g.groupId)].filter((name) => name.includes(ctx.names.runId));
    });
  },
};
