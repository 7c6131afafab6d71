import { connectAmqp, guardChannel } from "../../brokers/rabbitmq";
import { declareExchanges, EXCHANGE_QUEUES, exchangeChannelId, queueChannelId } from "../../scenarios/rabbitmq-exchanges";
import { describeMessage, listening, now, sleep, type ActorProgram } from "../runtime";

/**
 * Consumes every bound queue. Each delivery names the exchange it came through and the queue
 * it sat in: the routing the audience sees is the broker's, observed, not predicted.
 */
export const rabbitmqExchangeConsumer: ActorProgram = async (ctx) => {
  const self = ctx.spec.id;
  const connection = await connectAmqp({ url: ctx.spec.brokerUrl, name: self, onConnectedChange: ctx.setConnected });
  connection.on("close", () => process.exit(1));
  const channel = await connection.createChannel();
  guardChannel(channel, ctx.log);
  await declareExchanges(channel);
  await channel.prefetch(20);

  for (const queue of EXCHANGE_QUEUES) {
    await channel.consume(
      queue,
      (msg) => {
        // null: the broker cancelled this consumer (its queue went away); a replacement starts clean.
      if (!msg) process.exit(1);
        const id = String(msg.properties.messageId ?? `untracked-${msg.fields.deliveryTag}`);
        const redelivered = msg.fields.redelivered;
        const message = describeMessage({ id, destination: queue, attempt: redelivered ? 2 : 1, redelivered }, msg.content);
        const at = now();
        if (!redelivered) ctx.emit({ kind: "routed", from: exchangeChannelId(msg.fields.exchange), to: queueChannelId(queue), message, at: at - 0.001, reason: `bound to ${msg.fields.exchange}` });
        ctx.emit({ kind: redelivered ? "redelivered" : "delivered", from: queueChannelId(queue), to: self, message, at });
        void sleep(ctx.settings.delayMs ?? 0).then(() => {
          channel.ack(msg);
          ctx.emit({ kind: "acked", from: self, to: queueChannelId(queue), message });
        });
      },
      { noAck: false },
    );
  }

  return listening(() => connection.close().catch(() => undefined));
};
