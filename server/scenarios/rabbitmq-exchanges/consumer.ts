import { openAmqpActor, replaceMe } from "../../actors/kit";
import { describeMessage, listening, now, sleep, type ActorProgram } from "../../actors/runtime";
import { declareExchanges, EXCHANGE_QUEUES, exchangeChannelId, queueChannelId } from "./names";

/**
 * Consumes every bound queue. Each delivery names the exchange it came through and the queue
 * it sat in: the routing the audience sees is the broker's, observed, not predicted.
 */
export const rabbitmqExchangeConsumer: ActorProgram<"delayMs"> = async (ctx) => {
  const self = ctx.spec.id;
  const { connection, channel } = await openAmqpActor(ctx, { confirm: false, declare: declareExchanges, prefetch: 20 });

  for (const queue of EXCHANGE_QUEUES) {
    await channel.consume(
      ctx.names.name(queue),
      (msg) => {
        if (!msg) return replaceMe(ctx, `the broker cancelled the consumer of ${queue} (its queue went away)`);
        const id = String(msg.properties.messageId ?? `untracked-${msg.fields.deliveryTag}`);
        const redelivered = msg.fields.redelivered;
        const message = describeMessage({ id, destination: queue, attempt: redelivered ? 2 : 1, redelivered }, msg.content);
        const at = now();
        const exchange = ctx.names.local(msg.fields.exchange);
        if (!redelivered) ctx.emit({ kind: "routed", from: exchangeChannelId(exchange), to: queueChannelId(queue), message, at: at - 0.001, reason: `bound to ${exchange}` });
        ctx.emit({ kind: redelivered ? "redelivered" : "delivered", from: queueChannelId(queue), to: self, message, at });
        // Up to the prefetch window at once: each message waits its own delay, then is acked.
        void sleep(ctx.settings.delayMs).then(() => {
          channel.ack(msg);
          ctx.emit({ kind: "acked", from: self, to: queueChannelId(queue), message });
        });
      },
      { noAck: false },
    );
  }

  return listening(() => connection.close().catch(() => undefined));
};
