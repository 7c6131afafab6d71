import { listening, type ActorProgram } from "../../actors/runtime";
import { connectNats } from "../../brokers/nats";
import { answerInQueueGroup } from "../shared/nats-request-reply";
import { INVENTORY_CHANNEL_ID, INVENTORY_QUEUE_GROUP, INVENTORY_SUBJECT } from "./names";

/** Answers inventory checks one at a time in the queue group. */
export const natsResponder: ActorProgram<"delayMs"> = async (ctx) => {
  const nc = await connectNats({ url: ctx.spec.brokerUrl, name: ctx.spec.id, onConnectedChange: ctx.setConnected });
  await answerInQueueGroup(ctx, nc, {
    subject: INVENTORY_SUBJECT,
    queueGroup: INVENTORY_QUEUE_GROUP,
    channelId: INVENTORY_CHANNEL_ID,
    delayMs: () => ctx.settings.delayMs,
    answer: () => ({ reply: { available: true, checkedBy: ctx.spec.id } }),
  });
  return listening(() => nc.drain());
};
