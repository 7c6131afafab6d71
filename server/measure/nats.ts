import { AckPolicy, connect, DeliverPolicy, type JetStreamManager, type NatsConnection, type NatsError, StorageType } from "nats";
import { probeNats } from "../brokers/nats";
import { withClient, type MeasureContext, type Receiver, type Sender, type Transport } from "./transport";

/** How long one request may take before the run calls it failed. */
const REQUEST_TIMEOUT_MS = 5_000;
/** Core publishes a flush covers: NATS confirms nothing, so this bounds what is unconfirmed. */
export const NATS_UNCONFIRMED = 256;

/** One attempt with a short timeout: a measurement reports a broker that is down, it does not wait for it. */
function connectOnce(ctx: MeasureContext, name: string): Promise<NatsConnection> {
  return connect({ servers: ctx.urls.nats.split(","), name: `hopscope-measure-${name}`, timeout: 3_000, reconnect: false });
}

function closer(nc: NatsConnection): () => Promise<void> {
  return async () => {
    if (!nc.isClosed()) await nc.close();
  };
}

function probe(urls: MeasureContext["urls"], timeoutMs: number): Promise<void> {
  return probeNats(urls.nats, timeoutMs);
}

/** A receiver on a plain subscription: the subject it listens on and whether it answers. */
async function subscriber(ctx: MeasureContext, subject: string, onMessage: (payload: Uint8Array) => void, reply: boolean): Promise<Receiver> {
  const nc = await connectOnce(ctx, "receiver");
  nc.subscribe(subject, {
    callback: (error, msg) => {
      if (error) return;
      onMessage(msg.data);
      if (reply) msg.respond(msg.data);
    },
  });
  // The server knows of the subscription once it answered the PING behind it.
  await nc.flush();
  return { info: {}, close: closer(nc) };
}

export const natsRequestReply: Transport = {
  id: "nats-request-reply",
  path: "request → reply, at the caller",
  roundTrip: true,
  probe,
  receive: (ctx, onMessage) => subscriber(ctx, ctx.names.subject("request-reply"), onMessage, true),
  async sender(ctx) {
    const nc = await connectOnce(ctx, "caller");
    const subject = ctx.names.subject("request-reply");
    return { send: (payload) => nc.request(subject, payload, { timeout: REQUEST_TIMEOUT_MS }).then(() => undefined), close: closer(nc) };
  },
};

export const natsPubsub: Transport = {
  id: "nats-pubsub",
  path: "publish → delivered to the subscriber",
  roundTrip: false,
  probe,
  receive: (ctx, onMessage) => subscriber(ctx, ctx.names.subject("pubsub"), onMessage, false),
  async sender(ctx): Promise<Sender> {
    const nc = await connectOnce(ctx, "publisher");
    const subject = ctx.names.subject("pubsub");
    return {
      send(payload) {
        nc.publish(subject, payload);
        return null;
      },
      drain: () => nc.flush(),
      close: closer(nc),
    };
  },
};

function withJsm<T>(ctx: MeasureContext, use: (jsm: JetStreamManager) => Promise<T>): Promise<T> {
  return withClient(
    () => connectOnce(ctx, "admin"),
    (nc) => nc.close(),
    async (nc) => use(await nc.jetstreamManager()),
  );
}

function isNotFound(error: unknown): boolean {
  return (error as NatsError).code === "404" || /not found/i.test(String(error));
}

export const natsJetstream: Transport = {
  id: "nats-jetstream",
  path: "publish (PubAck awaited) → consumed from a durable consumer",
  roundTrip: false,
  probe,
  prepare: (ctx) =>
    withJsm(ctx, async (jsm) => {
      // File storage, as the scenario's stream: what JetStream is for is keeping messages.
      await jsm.streams.add({ name: ctx.names.stream, subjects: [ctx.names.subject("jetstream")], storage: StorageType.File });
      await jsm.consumers.add(ctx.names.stream, { durable_name: ctx.names.consumer, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All });
    }),
  async receive(ctx, onMessage) {
    const nc = await connectOnce(ctx, "consumer");
    const consumer = await nc.jetstream().consumers.get(ctx.names.stream, ctx.names.consumer);
    const messages = await consumer.consume({ max_messages: 512 });
    void (async () => {
      for await (const m of messages) {
        onMessage(m.data);
        m.ack();
      }
    })().catch(() => undefined);
    return {
      info: {},
      async close() {
        await messages.close();
        await closer(nc)();
      },
    };
  },
  async sender(ctx) {
    const nc = await connectOnce(ctx, "publisher");
    const js = nc.jetstream();
    const subject = ctx.names.subject("jetstream");
    return { send: (payload) => js.publish(subject, payload).then(() => undefined), close: closer(nc) };
  },
  cleanup: (ctx) =>
    withJsm(ctx, async (jsm) => {
      await jsm.streams.delete(ctx.names.stream).catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
    }),
  remains: (ctx) =>
    withJsm(ctx, async (jsm) => {
      const names: string[] = [];
      for await (const name of jsm.streams.names()) if (name.includes(ctx.names.runId)) names.push(name);
      return names;
    }),
};
