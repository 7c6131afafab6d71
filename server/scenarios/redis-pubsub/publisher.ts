import { outgoing } from "../../actors/kit";
import { describeMessage, now, messageIds, type ActorProgram } from "../../actors/runtime";
import { createRedis, ready } from "../../brokers/redis";
import { DRIVER_CHANNEL, DRIVER_CHANNEL_ID, DROP_NO_SUBSCRIBERS } from "./names";

const sampleStatus = (n: number) => ({ driverId: `driver-${100 + (n % 9)}`, available: n % 2 === 1, timestamp: new Date().toISOString() });

/** PUBLISH answers with how many subscribers got the message: zero means it is gone. */
export const redisPublisher: ActorProgram = async (ctx) => {
  const self = ctx.spec.id;
  const redis = createRedis({ url: ctx.spec.brokerUrl, name: self, onConnectedChange: ctx.setConnected, queueWhileOffline: false });
  await ready(redis);
  const nextId = messageIds();

  return {
    async handle(command) {
      if (command.type !== "publish") return null;
      const ids: string[] = [];
      const receivers: number[] = [];
      for (const { id, body: raw } of outgoing(command, nextId, sampleStatus)) {
        // The message id travels inside the payload: pub/sub messages have no headers. A text
        // payload is wrapped; anything else is JSON already.
        const fields: unknown = typeof command.payload === "string" ? { text: command.payload } : JSON.parse(raw.toString("utf8"));
        const body = JSON.stringify({ ...(fields as Record<string, unknown>), messageId: id });
        const message = describeMessage({ id, destination: DRIVER_CHANNEL, attempt: 1, redelivered: false }, Buffer.from(body));
        const publishedAt = now();
        const count = await redis.publish(ctx.names.redis(DRIVER_CHANNEL), body);
        ctx.emit({ kind: "published", from: self, to: DRIVER_CHANNEL_ID, message, at: publishedAt });
        // Redis's answer settles the message: handed to `count` subscribers, or to nobody.
        if (count > 0) ctx.emit({ kind: "confirmed", from: DRIVER_CHANNEL_ID, to: self, message, receivers: count, rttMs: now() - publishedAt });
        else ctx.emit({ kind: "dropped", from: DRIVER_CHANNEL_ID, to: self, message, receivers: 0, reason: DROP_NO_SUBSCRIBERS });
        ids.push(id);
        receivers.push(count);
      }
      return { messageIds: ids, receivers };
    },
    async close() {
      redis.disconnect();
    },
  };
};
