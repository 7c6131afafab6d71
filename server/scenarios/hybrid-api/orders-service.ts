import * as grpc from "@grpc/grpc-js";
import { z } from "zod";
import { encodeBody, openAmqpActor } from "../../actors/kit";
import { describeMessage, now, sleep, type ActorProgram } from "../../actors/runtime";
import { createKafka, ensureTopic, MESSAGE_ID_HEADER, partitionForKey, TRACE_ID_HEADER } from "../../brokers/kafka";
import { foreignCall, serveGrpc } from "../shared/grpc/server";
import { declareQueues, queueJob, type Action, type Job } from "../shared/story";
import { EMAIL_JOB, EMAIL_QUEUE, EMAIL_QUEUE_CHANNEL_ID, EVENT, EVENT_PARTITIONS, EVENT_TOPIC, EVENT_TOPIC_CHANNEL_ID, ORDERS } from "./names";


export const orderSchema = z.object({
  orderId: z.string().min(1).max(64),
  customerEmail: z.string().max(128),
  items: z.array(z.object({ sku: z.string().max(64), quantity: z.number().int().min(1).max(1_000) })).max(50),
  total: z.number().nonnegative().max(1_000_000),
});
export type Order = z.infer<typeof orderSchema>;

const EMAIL: Job = { queue: EMAIL_QUEUE, channelId: EMAIL_QUEUE_CHANNEL_ID, name: EMAIL_JOB, payload: (order) => ({ template: "order-confirmation", to: order.data.customerEmail, orderId: order.id }) };

/**
 * The orders service: accepts an order (its work takes `orderDelayMs`), then hands it on before
 * it answers: the event goes to Kafka with acks from every in-sync replica, the email job to
 * RabbitMQ with a publisher confirm. Only once both brokers hold them does the gateway hear OK,
 * so an accepted order's follow-ups cannot be lost with this process. Killed before that, it
 * answers nothing: the gateway's call fails UNAVAILABLE, and the order was not placed.
 */
export const ordersService: ActorProgram<"orderDelayMs"> = async (ctx) => {
  const self = ctx.spec.id;
  const kafka = createKafka({ brokers: ctx.urlOf("kafka"), clientId: self, log: ctx.log });
  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  const topic = ctx.names.name(EVENT_TOPIC);
  const partitions = await ensureTopic(admin, topic, EVENT_PARTITIONS);
  await admin.disconnect();
  const { connection, channel } = await openAmqpActor(ctx, { confirm: true, declare: declareQueues([EMAIL_QUEUE]), url: ctx.urlOf("rabbitmq") });

  /** Written once Kafka's replicas have it; refused, it is a broken promise, said as its drop. */
  async function streamEvent(order: Order): Promise<boolean> {
    const id = `${order.orderId}/${EVENT}`;
    const body = encodeBody({ event: EVENT, orderId: order.orderId, total: order.total, items: order.items.length });
    const partition = partitionForKey(topic, order.orderId, partitions);
    const message = { ...describeMessage({ id, traceId: order.orderId, destination: EVENT_TOPIC, attempt: 1, redelivered: false }, body), partition };
    ctx.emit({ kind: "published", broker: "kafka", from: self, to: EVENT_TOPIC_CHANNEL_ID, message, at: now() });
    const started = performance.now();
    try {
      const [answer] = await producer.send({ topic, acks: -1, messages: [{ key: order.orderId, value: body, partition, headers: { [MESSAGE_ID_HEADER]: id, [TRACE_ID_HEADER]: order.orderId } }] });
      ctx.emit({ kind: "confirmed", broker: "kafka", from: EVENT_TOPIC_CHANNEL_ID, to: self, message: { ...message, offset: answer?.baseOffset ?? "0" }, rttMs: performance.now() - started });
      return true;
    } catch (error) {
      ctx.emit({ kind: "dropped", broker: "kafka", from: EVENT_TOPIC_CHANNEL_ID, to: self, message, reason: `not confirmed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 200) });
      return false;
    }
  }

  const placeOrder = async (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
    const refused = foreignCall(ctx, call.metadata);
    if (refused) return callback(refused);
    const parsed = orderSchema.safeParse(call.request);
    if (!parsed.success) return callback({ code: grpc.status.INVALID_ARGUMENT, details: `not an order: ${parsed.error.issues[0]?.path.join(".") ?? "?"} ${parsed.error.issues[0]?.message ?? ""}`.slice(0, 200) });
    const order = parsed.data;
    await sleep(ctx.settings.orderDelayMs);
    // The gateway gave up meanwhile (its deadline): the order was never accepted.
    if (call.cancelled) return;
    const action: Action = { id: order.orderId, n: 0, data: order };
    const [streamed, queued] = await Promise.all([streamEvent(order), queueJob(ctx, channel, action, EMAIL)]);
    if (!streamed || !queued) return callback({ code: grpc.status.UNAVAILABLE, details: `${streamed ? "RabbitMQ" : "Kafka"} did not take the order's ${streamed ? "email job" : "event"}` });
    callback(null, { orderId: order.orderId, status: "accepted", handledBy: self });
  };

  return serveGrpc(ctx, ORDERS, { PlaceOrder: placeOrder }, async () => {
    await Promise.allSettled([producer.disconnect(), connection.close()]);
  });
};
