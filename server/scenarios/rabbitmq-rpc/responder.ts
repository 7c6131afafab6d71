import type { ConsumeMessage } from "amqplib";
import { openAmqpActor, replaceMe, workLoop } from "../../actors/kit";
import { describeMessage, listening, sleep, type ActorProgram } from "../../actors/runtime";
import { declareRpcQueue, REPLY_CHANNEL_ID, RPC_CHANNEL_ID, RPC_QUEUE } from "./names";

/**
 * Takes one request at a time (prefetch 1), replies to its replyTo with the same
 * correlationId, and acks only then: a responder killed mid-request leaves it to another.
 */
export const rabbitmqRpcResponder: ActorProgram<"delayMs"> = async (ctx) => {
  const self = ctx.spec.id;
  const { connection, channel } = await openAmqpActor(ctx, { confirm: false, declare: declareRpcQueue, prefetch: 1 });

  const fieldsOf = (msg: ConsumeMessage) => {
    const id = String(msg.properties.correlationId ?? msg.properties.messageId ?? `untracked-${msg.fields.deliveryTag}`);
    const redelivered = msg.fields.redelivered;
    return { id, destination: RPC_QUEUE, attempt: redelivered ? 2 : 1, redelivered };
  };

  const work = workLoop(async (msg: ConsumeMessage) => {
    const fields = fieldsOf(msg);
    await sleep(ctx.settings.delayMs);
    const reply = Buffer.from(JSON.stringify({ available: true, checkedBy: self }));
    const replyTo = msg.properties.replyTo as string | undefined;
    if (replyTo) {
      channel.sendToQueue(replyTo, reply, { correlationId: msg.properties.correlationId as string | undefined });
      ctx.emit({ kind: "replied", from: self, to: REPLY_CHANNEL_ID, message: describeMessage({ ...fields, destination: replyTo }, reply) });
    }
    channel.ack(msg);
    ctx.emit({ kind: "acked", from: self, to: RPC_CHANNEL_ID, message: describeMessage(fields, msg.content) });
  });

  await channel.consume(
    ctx.names.name(RPC_QUEUE),
    (msg) => {
      if (!msg) return replaceMe(ctx, "the broker cancelled the consumer (its queue went away)");
      const fields = fieldsOf(msg);
      ctx.emit({ kind: fields.redelivered ? "redelivered" : "delivered", from: RPC_CHANNEL_ID, to: self, message: describeMessage(fields, msg.content) });
      work(msg);
    },
    { noAck: false },
  );

  return listening(() => connection.close().catch(() => undefined));
};
