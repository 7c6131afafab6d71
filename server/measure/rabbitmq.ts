import { connect, type ChannelModel } from "amqplib";
import { probeRabbitmq } from "../brokers/rabbitmq";
import { withClient, type MeasureContext, type Transport } from "./transport";

/** As many unacked deliveries as the consumer holds: enough that acks never stall the stream. */
const PREFETCH = 512;

async function connectOnce(ctx: MeasureContext, name: string): Promise<ChannelModel> {
  const connection = await connect(ctx.urls.rabbitmq, { clientProperties: { connection_name: `hopscope-measure-${name}` }, timeout: 3_000 });
  connection.on("error", () => undefined);
  return connection;
}

async function closeQuietly(connection: ChannelModel): Promise<void> {
  await connection.close().catch(() => undefined);
}

function withAdmin<T>(ctx: MeasureContext, use: (connection: ChannelModel) => Promise<T>): Promise<T> {
  return withClient(() => connectOnce(ctx, "admin"), closeQuietly, use);
}

/** A throwaway channel: a 404 on it closes it, never one that is in use. */
async function queueExists(connection: ChannelModel, queue: string): Promise<boolean> {
  const channel = await connection.createChannel();
  channel.on("error", () => undefined);
  try {
    await channel.checkQueue(queue);
    await channel.close();
    return true;
  } catch {
    return false;
  }
}

/** Durable queue, persistent messages, confirms and acks: the work queue's at-least-once path. */
export const rabbitmq: Transport = {
  id: "rabbitmq",
  path: "publish (persistent, confirm channel) → consumed by the worker",
  roundTrip: false,
  probe: (urls, timeoutMs) => probeRabbitmq(urls.rabbitmq, timeoutMs),
  prepare: (ctx) =>
    withAdmin(ctx, async (connection) => {
      await (await connection.createChannel()).assertQueue(ctx.names.queue, { durable: true });
    }),
  async receive(ctx, onMessage) {
    const connection = await connectOnce(ctx, "consumer");
    const channel = await connection.createChannel();
    await channel.prefetch(PREFETCH);
    await channel.consume(ctx.names.queue, (msg) => {
      if (!msg) return;
      onMessage(msg.content);
      channel.ack(msg);
    });
    return { info: {}, close: () => closeQuietly(connection) };
  },
  async sender(ctx) {
    const connection = await connectOnce(ctx, "publisher");
    const channel = await connection.createConfirmChannel();
    const queue = ctx.names.queue;
    return {
      send: (payload) =>
        new Promise<void>((resolve, reject) => {
          channel.sendToQueue(queue, payload, { persistent: true }, (error: unknown) => (error ? reject(new Error(`the broker nacked a publish: ${String(error)}`)) : resolve()));
        }),
      close: () => closeQuietly(connection),
    };
  },
  cleanup: (ctx) =>
    withAdmin(ctx, async (connection) => {
      await (await connection.createChannel()).deleteQueue(ctx.names.queue);
    }),
  remains: (ctx) => withAdmin(ctx, async (connection) => ((await queueExists(connection, ctx.names.queue)) ? [ctx.names.queue] : [])),
};
