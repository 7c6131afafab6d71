import type { Msg } from "nats";
import { connectNats, MESSAGE_ID_HEADER } from "../../brokers/nats";
import { describeMessage, listening, type ActorProgram } from "../../actors/runtime";
import { eventChannelId, ORDER_EVENTS } from "./names";

/**
 * Subscribes to every order event without a queue group, so it gets its own copy of each. Core
 * NATS keeps nothing: it sees only what is published while it is subscribed.
 */
export const natsEventSubscriber: ActorProgram = async (ctx) => {
  const self = ctx.spec.id;
  const nc = await connectNats({ url: ctx.spec.brokerUrl, name: self, onConnectedChange: ctx.setConnected });
  const receiverOf = (event: string) => (error: Error | null, msg: Msg) => {
    if (error) return ctx.log(error.message);
    const id = msg.headers?.get(MESSAGE_ID_HEADER) || `untracked-${msg.sid}`;
    ctx.emit({ kind: "delivered", from: eventChannelId(event), to: self, message: describeMessage({ id, destination: event, attempt: 1, redelivered: false }, msg.data) });
  };
  for (const event of ORDER_EVENTS) nc.subscribe(ctx.names.name(event), { callback: receiverOf(event) });
  // Ready only once the server has the subscriptions: a publish right after reaches this one.
  await nc.flush();

  return listening(() => nc.drain());
};
