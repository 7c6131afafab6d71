import { connectAmqp, guardChannel } from "../../brokers/rabbitmq";
import {
  DEAD_LETTER_EXCHANGE,
  DEAD_LETTER_EXPIRED,
  DEAD_LETTER_QUEUE,
  declareJobQueues,
  DLQ_CHANNEL_ID,
  EXPIRED_BINDING,
  JOB_CHANNEL_ID,
  JOB_ID_HEADER,
  JOB_QUEUE,
} from "../../scenarios/rabbitmq-work-queue";
import { describeMessage, now, messageIds, type ActorProgram } from "../runtime";

const recipients = ["ada@example.com", "grace@example.com", "linus@example.com", "margaret@example.com"];

/**
 * Publishes persistent jobs on a confirm channel. A job counts as published only once the
 * broker confirms it has taken responsibility for it.
 */
export const rabbitmqProducer: ActorProgram = async (ctx) => {
  const self = ctx.spec.id;
  const connection = await connectAmqp({ url: ctx.spec.brokerUrl, name: self, onConnectedChange: ctx.setConnected });
  connection.on("close", () => process.exit(1));
  const channel = await connection.createConfirmChannel();
  guardChannel(channel, ctx.log);
  await declareJobQueues(channel);
  // No consumer sees a job the broker expires, so the producer taps the dead-letter exchange
  // with a queue of its own: the parked job stays in the dead-letter queue, the tap reports it.
  const { queue: expiredTap } = await channel.assertQueue("", { exclusive: true, autoDelete: true });
  await channel.bindQueue(expiredTap, DEAD_LETTER_EXCHANGE, "", EXPIRED_BINDING);
  await channel.consume(
    expiredTap,
    (msg) => {
      // null: the broker cancelled this consumer (its queue went away); a replacement starts clean.
      if (!msg) process.exit(1);
      const id = String(msg.properties.messageId ?? `untracked-${msg.fields.deliveryTag}`);
      ctx.emit({ kind: "dead-lettered", from: JOB_CHANNEL_ID, to: DLQ_CHANNEL_ID, message: describeMessage({ id, destination: DEAD_LETTER_QUEUE, attempt: 1, redelivered: false }, msg.content), reason: DEAD_LETTER_EXPIRED });
    },
    { noAck: true },
  );
  const nextId = messageIds();

  return {
    async handle(command) {
      if (command.type !== "publish") return null;
      const jobIds: string[] = [];
      for (let i = 0; i < command.count; i++) {
        const { id, n: counter } = nextId();
        const payload = command.payload ?? { to: recipients[counter % recipients.length], template: "order-confirmation", orderId: `order-${counter}` };
        const body = Buffer.from(typeof payload === "string" ? payload : JSON.stringify(payload));
        const message = describeMessage({ id, destination: JOB_QUEUE, attempt: 1, redelivered: false }, body);
        const publishedAt = now();
        jobIds.push(id);
        const options = {
          persistent: true,
          messageId: id,
          headers: { [JOB_ID_HEADER]: id },
          contentType: "application/json",
          priority: command.priority,
          expiration: command.ttlMs === undefined ? undefined : String(command.ttlMs),
        };
        channel.sendToQueue(JOB_QUEUE, body, options, (error) => {
          if (error) {
            // The producer knows: it counts as published and dropped, with the broker's reason.
            ctx.emit({ kind: "published", from: self, to: JOB_CHANNEL_ID, message, at: publishedAt });
            ctx.emit({ kind: "dropped", from: JOB_CHANNEL_ID, to: self, message, reason: `not confirmed: ${(error as Error).message ?? error}`.slice(0, 200) });
            return;
          }
          ctx.emit({ kind: "published", from: self, to: JOB_CHANNEL_ID, message, at: publishedAt });
          ctx.emit({ kind: "confirmed", from: JOB_CHANNEL_ID, to: self, message, rttMs: now() - publishedAt });
        });
      }
      return { messageIds: jobIds };
    },
    async close() {
      await connection.close().catch(() => undefined);
    },
  };
};
