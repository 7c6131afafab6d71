import { listening, describeMessage, type ActorProgram } from "../../actors/runtime";
import { createRedis, ready } from "../../brokers/redis";
import { ORDER_CHANNEL, ORDER_CHANNEL_ID } from "./names";

/** A service that wants to know of every order, but only hears those placed while it listens. */
export const orderSubscriber: ActorProgram = async (ctx) => {
  const self = ctx.spec.id;
  const subscriber = createRedis({ url: ctx.spec.brokerUrl, name: self, onConnectedChange: ctx.setConnected });
  await ready(subscriber);
  subscriber.on("message", (_channel: string, body: string) => {
    let event: { messageId?: unknown; orderId?: unknown } = {};
    try {
      event = JSON.parse(body) as typeof event;
    } catch {
      return;
    }
    // Only events that name themselves are part of the story.
    if (typeof event.messageId !== "string" || typeof event.orderId !== "string") return;
    ctx.emit({ kind: "delivered", from: ORDER_CHANNEL_ID, to: self, message: describeMessage({ id: event.messageId, traceId: event.orderId, destination: ORDER_CHANNEL, attempt: 1, redelivered: false }, Buffer.from(body)) });
  });
  await subscriber.subscribe(ctx.names.redis(ORDER_CHANNEL));
  return listening(() => subscriber.disconnect());
};
