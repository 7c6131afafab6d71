import { Redis } from "ioredis";
import { probeRedis } from "../brokers/redis";
import { withClient, type MeasureContext, type Transport } from "./transport";

/** Entries one XREADGROUP takes at most. */
const READ_COUNT = 512;
const BLOCK_MS = 500;

/**
 * No retries and no offline queue: a Redis that is down fails the step at once, and the run
 * says so rather than waiting.
 */
async function connectOnce(ctx: MeasureContext, name: string, autoPipelining = false): Promise<Redis> {
  const client = new Redis(ctx.urls.redis, {
    connectionName: `hopscope-measure-${name}`,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: 3_000,
    // What a busy service sets: commands issued in one tick go out as one write.
    enableAutoPipelining: autoPipelining,
  });
  client.on("error", () => undefined);
  await client.connect();
  return client;
}

function quit(client: Redis): Promise<void> {
  return client.quit().then(
    () => undefined,
    () => client.disconnect(),
  );
}

function withAdmin<T>(ctx: MeasureContext, use: (client: Redis) => Promise<T>): Promise<T> {
  return withClient(() => connectOnce(ctx, "admin"), quit, use);
}

const probe = (urls: MeasureContext["urls"], timeoutMs: number) => probeRedis(urls.redis, timeoutMs);

export const redisPubsub: Transport = {
  id: "redis-pubsub",
  path: "PUBLISH → delivered to the subscriber",
  roundTrip: false,
  probe,
  async receive(ctx, onMessage) {
    const client = await connectOnce(ctx, "subscriber");
    client.on("messageBuffer", (_channel: Buffer, message: Buffer) => onMessage(message));
    await client.subscribe(ctx.names.redisChannel);
    return { info: {}, close: () => quit(client) };
  },
  async sender(ctx) {
    const client = await connectOnce(ctx, "publisher", true);
    const channel = ctx.names.redisChannel;
    return { send: (payload) => client.publish(channel, payload).then(() => undefined), close: () => quit(client) };
  },
};

type StreamReply = [key: Buffer, entries: [id: Buffer, fields: Buffer[]][]][] | null;

export const redisStreams: Transport = {
  id: "redis-streams",
  path: "XADD → read by XREADGROUP BLOCK in a consumer group",
  roundTrip: false,
  probe,
  prepare: (ctx) =>
    withAdmin(ctx, async (client) => {
      await client.xgroup("CREATE", ctx.names.redisStream, ctx.names.redisGroup, "$", "MKSTREAM");
    }),
  async receive(ctx, onMessage) {
    const client = await connectOnce(ctx, "consumer");
    const { redisStream: key, redisGroup: group } = ctx.names;
    let reading = true;
    const loop = (async () => {
      while (reading) {
        const reply = (await client.callBuffer("XREADGROUP", ["GROUP", group, "consumer", "COUNT", READ_COUNT, "BLOCK", BLOCK_MS, "STREAMS", key, ">"])) as StreamReply;
        const entries = reply?.[0]?.[1] ?? [];
        if (entries.length === 0) continue;
        for (const [, fields] of entries) {
          const payload = fields[1];
          if (payload) onMessage(payload);
        }
        // Acked as a consumer does once it handled the batch, without waiting for the answer.
        void client.xack(key, group, ...entries.map(([id]) => id)).catch(() => undefined);
      }
    })().catch(() => undefined);
    return {
      info: {},
      async close() {
        reading = false;
        // A read blocked on the server ends only with its connection.
        client.disconnect();
        await loop;
      },
    };
  },
  async sender(ctx) {
    const client = await connectOnce(ctx, "producer", true);
    const key = ctx.names.redisStream;
    return { send: (payload) => client.xadd(key, "*", "payload", payload).then(() => undefined), close: () => quit(client) };
  },
  cleanup: (ctx) =>
    withAdmin(ctx, async (client) => {
      await client.del(ctx.names.redisStream);
    }),
  remains: (ctx) => withAdmin(ctx, async (client) => ((await client.exists(ctx.names.redisStream)) > 0 ? [ctx.names.redisStream] : [])),
};
