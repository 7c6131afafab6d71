/**
 * A small pair of services instrumented with OpenTelemetry's own instrumentations for amqplib
 * and kafkajs, and nothing of Hopscope's: their spans go to Hopscope's OTLP endpoint, which
 * draws their traffic. `checkout` puts order emails on a RabbitMQ queue and order events on a
 * Kafka topic; `mailer` takes both, acking each email.
 *
 *   npx tsx examples/otel-orders/app.ts mailer --orders 5     (prints "ready" once listening)
 *   npx tsx examples/otel-orders/app.ts checkout --orders 5
 *
 * Flags: --hopscope URL (default http://127.0.0.1:3000), --orders N, --prefix NAME (names the
 * queue, topic and group), --rabbitmq URL, --kafka HOST:PORT.
 */
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { AmqplibInstrumentation } from "@opentelemetry/instrumentation-amqplib";
import { KafkaJsInstrumentation } from "@opentelemetry/instrumentation-kafkajs";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { z } from "zod";

const optionsSchema = z.object({
  role: z.enum(["checkout", "mailer"]),
  hopscope: z.url().default("http://127.0.0.1:3000"),
  orders: z.coerce.number().int().min(1).max(1_000).default(5),
  prefix: z.string().regex(/^[a-z0-9-]{1,40}$/, "lowercase letters, digits and dashes").default("otel-orders"),
  rabbitmq: z.string().default("amqp://guest:guest@127.0.0.1:5672"),
  kafka: z.string().default("127.0.0.1:9092"),
});

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { hopscope: { type: "string" }, orders: { type: "string" }, prefix: { type: "string" }, rabbitmq: { type: "string" }, kafka: { type: "string" } },
});
const parsed = optionsSchema.safeParse({ ...values, role: positionals[0] });
if (!parsed.success) {
  console.error(`usage: app.ts <checkout|mailer> [--orders N] [--hopscope URL] [--prefix NAME]\n${z.prettifyError(parsed.error)}`);
  process.exit(2);
}
const options = parsed.data;

// Spans leave one by one, at once: the example is short-lived and its traffic small.
const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ "service.name": options.role }),
  spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: new URL("/v1/traces", options.hopscope).toString() }))],
});
provider.register();
registerInstrumentations({ instrumentations: [new AmqplibInstrumentation(), new KafkaJsInstrumentation()] });

// Required only now, through require, which is what the instrumentations patch.
const require = createRequire(import.meta.url);
const amqplib = require("amqplib") as typeof import("amqplib");
const { Kafka, logLevel } = require("kafkajs") as typeof import("kafkajs");

const queue = `${options.prefix}.order-emails`;
const topic = `${options.prefix}.order-events`;
const kafka = new Kafka({ clientId: options.role, brokers: [options.kafka], logLevel: logLevel.NOTHING });

async function checkout(): Promise<void> {
  const connection = await amqplib.connect(options.rabbitmq);
  const channel = await connection.createConfirmChannel();
  await channel.assertQueue(queue, { durable: false });
  const producer = kafka.producer();
  await producer.connect();
  for (let n = 1; n <= options.orders; n++) {
    const order = { orderId: `order-${n}`, email: "ada@example.com" };
    channel.sendToQueue(queue, Buffer.from(JSON.stringify(order)), { messageId: order.orderId });
    await producer.send({ topic, messages: [{ key: order.orderId, value: JSON.stringify({ ...order, status: "placed" }) }] });
  }
  await channel.waitForConfirms();
  await producer.disconnect();
  await connection.close();
}

async function mailer(): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();

  const connection = await amqplib.connect(options.rabbitmq);
  const channel = await connection.createChannel();
  await channel.assertQueue(queue, { durable: false });
  const consumer = kafka.consumer({ groupId: `${options.prefix}-mailer`, maxWaitTimeInMs: 250 });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));

  let emails = 0;
  let events = 0;
  let finish = () => undefined as void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const check = () => emails >= options.orders && events >= options.orders && finish();

  await channel.consume(queue, (msg) => {
    if (!msg) return;
    channel.ack(msg);
    emails++;
    check();
  });
  await consumer.connect();
  // The topic is new and its group too: from the beginning misses nothing sent while the group settles.
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async () => {
      events++;
      check();
    },
  });
  await joined;
  console.log("ready");
  await done;
  await consumer.disconnect();
  await channel.deleteQueue(queue);
  await connection.close();
  // Left behind, every run's topic would stay on the broker.
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  console.log(JSON.stringify({ emails, events }));
}

try {
  await (options.role === "checkout" ? checkout() : mailer());
} finally {
  await provider.forceFlush();
  await provider.shutdown();
}
