import { connectAmqp, guardChannel } from "../../brokers/rabbitmq";
import { declareRpcQueue, REPLY_CHANNEL_ID, RPC_CHANNEL_ID, RPC_QUEUE } from "../../scenarios/rabbitmq-rpc";
import { describeMessage, listening, sleep, type ActorProgram } from "../runtime";

/**
 * Takes one request at a time (prefetch 1), replies to its replyTo with the same
 * correlationId, and acks only then: a responder killed mid-request leaves it to another.
 */
export const rabbitmqRpcResponder: ActorProgram = async (ctx) => {
  const self = ctx.spec.id;
  const connection = await connectAmqp({ url: ctx.spec.brokerUrl, name: self, onConnectedChange: ctx.setConnected });
  connection.on("close", () => process.exit(1));
  const channel = await connection.createChannel();
  guardChannel(channel, ctx.log);
  await declareRpcQueue(channel);
  await channel.prefetch(1);

  await channel.consume(
    RPC_QUEUE,
    (msg) => {
      // null: the broker cancelled this consumer (its queue went away); a replacement starts clean.
      if (!msg) process.exit(1);
      const id = String(msg.properties.correlationId ?? msg.properties.messageId ?? `untracked-${msg.fields.deliveryTag}`);
      const redelivered = msg.fields.redelivered;
      const fields = { id, destination: RPC_QUEUE, attempt: redelivered ? 2 : 1, redelivered };
      ctx.emit({ kind: redelivered ? "redelivered" : "delivered", from: RPC_CHANNEL_ID, to: self, message: describeMessage(fields, msg.content) });
      void (async () => {
        await sleep(ctx.settings.delayMs ?? 0);
        const reply = Buffer.from(JSON.stringify({ available: true, checkedBy: self }));
        const replyTo = msg.properties.replyTo as string | undefined;
        if (replyTo) {
          channel.sendToQueue(replyTo, reply, { correlationId: msg.properties.correlationId as string | undefined });
          ctx.emit({ kind: "replied", from: self, to: REPLY_CHANNEL_ID, message: describeMessage({ ...fields, destination: replyTo }, reply) });
        }
        channel.ack(msg);
        ctx.emit({ kind: "acked", from: self, to: RPC_CHANNEL_ID, message: describeMessage(fields, msg.content) });
      })();
    },
    { noAck: false },
  );

  return listening(() => connection.close().catch(() => undefined));
};
