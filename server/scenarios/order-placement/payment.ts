import { listening, type ActorProgram } from "../../actors/runtime";
import { connectNats } from "../../brokers/nats";
import { answerInQueueGroup } from "../shared/nats-request-reply";
import { PAYMENT_CHANNEL_ID, PAYMENT_QUEUE_GROUP, PAYMENT_SUBJECT } from "./names";

/**
 * A payment service in a queue group: each charge reaches one member, which answers approved or
 * declined. Charges waiting in a killed member's client die with it, and the checkout's timeout
 * and retry take them to another member.
 */
export const paymentResponder: ActorProgram<"paymentDelayMs" | "declineRate"> = async (ctx) => {
  const nc = await connectNats({ url: ctx.spec.brokerUrl, name: ctx.spec.id, onConnectedChange: ctx.setConnected });
  await answerInQueueGroup(ctx, nc, {
    subject: PAYMENT_SUBJECT,
    queueGroup: PAYMENT_QUEUE_GROUP,
    channelId: PAYMENT_CHANNEL_ID,
    delayMs: () => ctx.settings.paymentDelayMs,
    answer: () => (Math.random() < ctx.settings.declineRate ? { reply: { approved: false, reason: "card declined" }, reason: "card declined" } : { reply: { approved: true, chargedBy: ctx.spec.id } }),
  });
  return listening(() => nc.drain());
};
