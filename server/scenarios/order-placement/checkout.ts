import { encodeBody, openAmqpActor } from "../../actors/kit";
import { describeMessage, messageIds, now, type ActorContext, type ActorProgram } from "../../actors/runtime";
import { connectNats } from "../../brokers/nats";
import { TRACE_ID_HEADER as AMQP_TRACE_HEADER } from "../../brokers/rabbitmq";
import { createRedis, ready } from "../../brokers/redis";
import { requestWithRetries } from "../shared/nats-request-reply";
import {
  declareJobQueues,
  DROP_CHECKOUT_LEFT,
  DROP_DECLINED,
  DROP_NO_PAYMENT,
  DROP_NO_SUBSCRIBERS,
  DROP_TIMED_OUT,
  jobChannelId,
  jobQueue,
  JOBS,
  ORDER_CHANNEL,
  ORDER_CHANNEL_ID,
  PAYMENT_CHANNEL_ID,
  PAYMENT_SUBJECT,
  type Job,
  type OrderPlacedEvent,
} from "./names";

const PAYMENT = { subject: PAYMENT_SUBJECT, channelId: PAYMENT_CHANNEL_ID, noResponders: DROP_NO_PAYMENT, timedOut: DROP_TIMED_OUT };

const CUSTOMERS = ["ada@example.com", "grace@example.com", "linus@example.com", "margaret@example.com"];

function sampleOrder(orderId: string, n: number) {
  return { orderId, amount: 19 + ((n * 7) % 80), email: CUSTOMERS[n % CUSTOMERS.length], items: [{ sku: `sku-${100 + (n % 7)}`, quantity: 1 + (n % 3) }] };
}

/** Connected only while all three brokers are: the picture names each connection. */
function connectionTracker(ctx: ActorContext<string>) {
  const up = new Map<string, boolean>([
    ["nats", true],
    ["rabbitmq", true],
    ["redis", true],
  ]);
  ctx.setConnections([...up.keys()]);
  return (name: string) => (connected: boolean) => {
    up.set(name, connected);
    ctx.setConnected([...up.values()].every(Boolean));
  };
}

/**
 * The checkout of seed 000's "User places order": it asks payment over NATS and waits; a paid
 * order gets three durable jobs on RabbitMQ, confirmed by the broker; then every listening
 * service hears of it on Redis. An order is one trace across the three brokers: the payment
 * request carries the order id as its own, the others derive theirs from it.
 */
export const checkout: ActorProgram<"timeoutMs" | "retries"> = async (ctx) => {
  const self = ctx.spec.id;
  const onConnected = connectionTracker(ctx);
  const nc = await connectNats({ url: ctx.urlOf("nats"), name: self, onConnectedChange: onConnected("nats") });
  // Losing RabbitMQ ends this checkout (the kit's policy): its unfinished orders are reported below.
  const { connection, channel } = await openAmqpActor(ctx, { confirm: true, declare: declareJobQueues, url: ctx.urlOf("rabbitmq") });
  // A broadcast sent while Redis is away fails at once rather than minutes later.
  const redis = createRedis({ url: ctx.urlOf("redis"), name: self, onConnectedChange: onConnected("redis"), queueWhileOffline: false });
  await ready(redis);
  const nextId = messageIds();
  // Orders not yet past their last job's confirm: a checkout that has to go says so for each,
  // rather than leave them in flight for ever.
  const unfinished = new Set<string>();
  ctx.onLeave(() => {
    for (const orderId of unfinished) {
      const message = describeMessage({ id: orderId, destination: PAYMENT_SUBJECT, attempt: 1, redelivered: false }, Buffer.alloc(0));
      ctx.emit({ kind: "dropped", from: self, to: self, message, reason: DROP_CHECKOUT_LEFT });
    }
  });

  /** True once payment approved; a decline ends the order here, said as its drop. */
  async function charge(orderId: string, body: Buffer): Promise<boolean> {
    const reply = await requestWithRetries(ctx, nc, PAYMENT, { id: orderId, body });
    if (!reply) return false;
    if (approved(reply.data)) return true;
    const message = describeMessage({ id: orderId, destination: PAYMENT_SUBJECT, attempt: reply.attempt, redelivered: reply.attempt > 1 }, reply.data);
    ctx.emit({ kind: "dropped", from: self, to: self, message, reason: DROP_DECLINED });
    return false;
  }

  /** Published once the broker confirms it has the job; a refused job is a broken promise. */
  function queueJob(orderId: string, job: Job, payload: unknown): Promise<boolean> {
    const id = `${orderId}/${job}`;
    const body = encodeBody(payload);
    const message = describeMessage({ id, traceId: orderId, destination: jobQueue(job), attempt: 1, redelivered: false }, body);
    const publishedAt = now();
    return new Promise((resolve) => {
      const options = { persistent: true, messageId: id, headers: { [AMQP_TRACE_HEADER]: orderId }, contentType: "application/json" };
      channel.sendToQueue(ctx.names.name(jobQueue(job)), body, options, (error) => {
        ctx.emit({ kind: "published", broker: "rabbitmq", from: self, to: jobChannelId(job), message, at: publishedAt });
        if (error) {
          ctx.emit({ kind: "dropped", broker: "rabbitmq", from: jobChannelId(job), to: self, message, reason: `not confirmed: ${(error as Error).message ?? error}`.slice(0, 200) });
          return resolve(false);
        }
        ctx.emit({ kind: "confirmed", broker: "rabbitmq", from: jobChannelId(job), to: self, message, rttMs: now() - publishedAt });
        resolve(true);
      });
    });
  }

  /** Redis's answer settles it: handed to that many subscribers, or to nobody. */
  async function broadcast(orderId: string): Promise<void> {
    const event: OrderPlacedEvent = { event: "order_placed", orderId, messageId: `${orderId}/order_placed` };
    const body = JSON.stringify(event);
    const message = describeMessage({ id: event.messageId, traceId: orderId, destination: ORDER_CHANNEL, attempt: 1, redelivered: false }, Buffer.from(body));
    const publishedAt = now();
    try {
      const receivers = await redis.publish(ctx.names.redis(ORDER_CHANNEL), body);
      ctx.emit({ kind: "published", broker: "redis", from: self, to: ORDER_CHANNEL_ID, message, at: publishedAt });
      if (receivers > 0) ctx.emit({ kind: "confirmed", broker: "redis", from: ORDER_CHANNEL_ID, to: self, message, receivers, rttMs: now() - publishedAt });
      else ctx.emit({ kind: "dropped", broker: "redis", from: ORDER_CHANNEL_ID, to: self, message, receivers: 0, reason: DROP_NO_SUBSCRIBERS });
    } catch (error) {
      ctx.emit({ kind: "published", broker: "redis", from: self, to: ORDER_CHANNEL_ID, message, at: publishedAt });
      ctx.emit({ kind: "dropped", broker: "redis", from: self, to: self, message, reason: `Redis refused the publish: ${(error as Error).message}`.slice(0, 200) });
    }
  }

  async function placeOrder(orderId: string, order: unknown): Promise<void> {
    unfinished.add(orderId);
    try {
      if (!(await charge(orderId, encodeBody(order)))) return;
      const jobs = await Promise.all(JOBS.map((job) => queueJob(orderId, job, { job, orderId, order })));
      if (!jobs.every(Boolean)) return;
    } finally {
      unfinished.delete(orderId);
    }
    await broadcast(orderId);
  }

  return {
    async handle(command) {
      if (command.type !== "publish") return null;
      const orderIds: string[] = [];
      for (let i = 0; i < command.count; i++) {
        const { id, n } = nextId();
        orderIds.push(id);
        void placeOrder(id, command.payload ?? sampleOrder(id, n));
      }
      return { messageIds: orderIds };
    },
    async close() {
      await Promise.allSettled([nc.close(), connection.close()]);
      redis.disconnect();
    },
  };
};

function approved(reply: Uint8Array): boolean {
  try {
    return (JSON.parse(Buffer.from(reply).toString()) as { approved?: unknown }).approved === true;
  } catch {
    return false;
  }
}
