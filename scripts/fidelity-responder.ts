/**
 * The far side of a bare round trip for `npm run bench -- --only fidelity`, in its own process as
 * a scenario's is: a NATS responder, a gRPC InventoryService server, a Redis subscriber, or a
 * consumer (RabbitMQ, a Redis Streams group, a Kafka group) that acknowledges at once. No hop is
 * reported. A consumer notes how long each message took from its send (the wall-clock time the
 * bench put in the payload) and hands the figures over when asked, after the timed turn.
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { connect as connectAmqp } from "amqplib";
import Redis from "ioredis";
import { connect } from "nats";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { wallClockMs } from "../lib/clock";
import { createKafka } from "../server/brokers/kafka";
import { COMMIT_INTERVAL_MS, SESSION_TIMEOUT_MS } from "../server/scenarios/shared/kafka-group-consumer";

const specSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("nats"), url: z.string(), subject: z.string(), queue: z.string() }),
  z.object({ kind: z.literal("grpc") }),
  z.object({ kind: z.literal("redis-subscriber"), url: z.string(), channel: z.string() }),
  z.object({ kind: z.literal("rabbitmq-consumer"), url: z.string(), queue: z.string(), prefetch: z.number().int().positive() }),
  z.object({ kind: z.literal("redis-stream-consumer"), url: z.string(), stream: z.string(), group: z.string(), consumer: z.string() }),
  z.object({ kind: z.literal("kafka-consumer"), brokers: z.string(), topic: z.string(), groupId: z.string() }),
]);
type Spec = z.infer<typeof specSchema>;

/** What the bench asks of a consumer once a turn is over. */
const requestSchema = z.object({ t: z.literal("latencies") });

const PROTO = fileURLToPath(new URL("../server/scenarios/grpc-inventory/inventory.proto", import.meta.url));

interface StockRequest {
  sku: string;
  quantity: number;
}

/** Send → receipt times, in ms, of the messages received since the bench last asked. */
let latencies: number[] = [];
function received(content: Buffer | Uint8Array | null): void {
  if (!content) return;
  const sentAt = (JSON.parse(Buffer.from(content).toString("utf8")) as { sentAt?: unknown }).sentAt;
  if (typeof sentAt === "number") latencies.push(wallClockMs() - sentAt);
}
process.on("message", (raw: unknown) => {
  if (!requestSchema.safeParse(raw).success) return;
  process.send?.({ latencies });
  latencies = [];
});

/** Starts the far side; resolves with what the bench needs to reach it, and how to stop it. */
async function start(spec: Spec): Promise<{ port?: number; stop: () => Promise<unknown> }> {
  switch (spec.kind) {
    case "redis-subscriber": {
      // Like the scenario's subscriber, it records each driver's status on a second connection.
      const redis = new Redis(spec.url);
      const commands = new Redis(spec.url);
      redis.on("message", (_channel: string, body: string) => {
        const { driverId, available } = JSON.parse(body) as { driverId?: string; available?: boolean };
        if (driverId) void commands.hset(`${spec.channel}:drivers-available`, driverId, String(available));
      });
      await redis.subscribe(spec.channel);
      return {
        stop: async () => {
          await commands.del(`${spec.channel}:drivers-available`);
          redis.disconnect();
          commands.disconnect();
        },
      };
    }
    case "rabbitmq-consumer": {
      const connection = await connectAmqp(spec.url);
      const channel = await connection.createChannel();
      await channel.prefetch(spec.prefetch);
      await channel.consume(spec.queue, (msg) => {
        if (!msg) return;
        received(msg.content);
        channel.ack(msg);
      });
      return { stop: () => connection.close() };
    }
    case "redis-stream-consumer": {
      const reader = new Redis(spec.url);
      let running = true;
      void (async () => {
        while (running) {
          const result = (await reader.call("XREADGROUP", "GROUP", spec.group, spec.consumer, "COUNT", "1", "BLOCK", "1000", "STREAMS", spec.stream, ">").catch(() => null)) as [string, [string, string[]][]][] | null;
          for (const [, entries] of result ?? []) {
            for (const [entryId, fields] of entries) {
              received(Buffer.from(fields[fields.indexOf("payload") + 1] ?? "{}"));
              await reader.call("XACK", spec.stream, spec.group, entryId);
            }
          }
        }
      })();
      return {
        stop: async () => {
          running = false;
          reader.disconnect();
        },
      };
    }
    case "kafka-consumer": {
      const kafka = createKafka({ brokers: spec.brokers, clientId: `${spec.groupId}-bare` });
      // As the scenario's members are configured, so a fetch waits as long as theirs.
      const consumer = kafka.consumer({ groupId: spec.groupId, sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: 500, maxWaitTimeInMs: 250 });
      const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
      await consumer.connect();
      await consumer.subscribe({ topic: spec.topic, fromBeginning: false });
      await consumer.run({ autoCommitInterval: COMMIT_INTERVAL_MS, eachMessage: async ({ message }) => received(message.value) });
      await joined;
      return { stop: () => consumer.disconnect() };
    }
    case "nats": {
      const nc = await connect({ servers: spec.url });
      nc.subscribe(spec.subject, { queue: spec.queue, callback: (_error, msg) => msg.respond(msg.data) });
      await nc.flush();
      return { stop: () => nc.close() };
    }
    case "grpc": {
      const definition = protoLoader.loadSync(PROTO, { keepCase: false, longs: String, defaults: true });
      const pkg = grpc.loadPackageDefinition(definition) as unknown as { hopscope: { inventory: { InventoryService: grpc.ServiceClientConstructor } } };
      const server = new grpc.Server();
      server.addService(pkg.hopscope.inventory.InventoryService.service, {
        CheckStock: (call: grpc.ServerUnaryCall<StockRequest, unknown>, callback: grpc.sendUnaryData<unknown>) => {
          callback(null, { sku: call.request.sku, available: true, onHand: 100, checkedBy: "bare" });
        },
      });
      const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
      return { port, stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) };
    }
  }
}

async function main(): Promise<void> {
  const { port, stop } = await start(specSchema.parse(JSON.parse(process.argv[2] ?? "null")));
  process.send?.({ ready: true, port });
  process.on("disconnect", () => void stop().finally(() => process.exit(0)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
