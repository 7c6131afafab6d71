import { outgoing } from "../../actors/kit";
import { describeMessage, messageIds, now, type ActorProgram } from "../../actors/runtime";
import { createRedis, ready } from "../../brokers/redis";
import { DRIVER_STATUS, driverStatusChange } from "../shared/driver-status";
import { CHANNEL_ID, NOBODY_LISTENING } from "./names";

/** Announces each change with PUBLISH; Redis answers how many subscribers it handed it to, and keeps nothing. */
export const driverApp: ActorProgram = async (ctx) => {
  const self = ctx.spec.id;
  const redis = createRedis({ url: ctx.spec.brokerUrl, name: self, onConnectedChange: ctx.setConnected, queueWhileOffline: false });
  await ready(redis);
  const nextId = messageIds();
  return {
    async handle(command) {
      if (command.type !== "publish") return null;
      const messageIds: string[] = [];
      for (const { id, body: raw } of outgoing(command, nextId, driverStatusChange)) {
        // Pub/sub messages have no headers: the id travels in the payload.
        const fields: unknown = typeof command.payload === "string" ? { text: command.payload } : JSON.parse(raw.toString("utf8"));
        const body = JSON.stringify({ ...(fields as Record<string, unknown>), messageId: id });
        const message = describeMessage({ id, destination: DRIVER_STATUS, attempt: 1, redelivered: false }, Buffer.from(body));
        const publishedAt = now();
        const receivers = await redis.publish(ctx.names.redis(DRIVER_STATUS), body);
        ctx.emit({ kind: "published", from: self, to: CHANNEL_ID, message, at: publishedAt });
        if (receivers > 0) ctx.emit({ kind: "confirmed", from: CHANNEL_ID, to: self, message, receivers, rttMs: now() - publishedAt });
        else ctx.emit({ kind: "dropped", from: CHANNEL_ID, to: self, message, receivers: 0, reason: NOBODY_LISTENING });
        messageIds.push(id);
      }
      return { messageIds };
    },
    async close() {
      redis.disconnect();
    },
  };
};
