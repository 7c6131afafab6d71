import { openAmqpActor, outgoing, replaceMe } from "../../actors/kit";
import { describeMessage, now, messageIds, type ActorProgram } from "../../actors/runtime";
import {
  DEAD_LETTER_EXPIRED,
  DEAD_LETTER_QUEUE,
  declareJobQueues,
  DLQ_CHANNEL_ID,
  EXPIRED_BINDING,
  JOB_CHANNEL_ID,
  JOB_ID_HEADER,
  JOB_QUEUE,
  jobQueueNames,
} from "./names";

const recipients = ["ada@example.com", "grace@example.com", "linus@example.com", "margaret@example.com"];
const sampleJob = (n: number) => ({ to: recipients[n % recipients.length], template: "order-confirmation", orderId: `order-${n}` });

/**
 * Publishes persistent jobs on a confirm channel. A job counts as published only once the
 * broker confirms it has taken responsibility for it.
 */
export const rabbitmqProducer: ActorProgram = async (ctx) => {
  const self = ctx.spec.id;
  const { connection, channel } = await openAmqpActor(ctx, { confirm: true, declare: declareJobQueues });
  const queues = jobQueueNames(ctx.names);
  // No consumer sees a job the broker expires, so the producer taps the dead-letter exchange
  // with a queue of its own: the parked job stays in the dead-letter queue, the tap reports it.
  const { queue: expiredTap } = await channel.assertQueue("", { exclusive: true, autoDelete: true });
  await channel.bindQueue(expiredTap, queues.deadLetterExchange, "", EXPIRED_BINDING);
  await channel.consume(
    expiredTap,
    (msg) => {
      if (!msg) return replaceMe(ctx, "the broker cancelled the expiry tap");
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
      for (const { id, body } of outgoing(command, nextId, sampleJob)) {
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
        channel.sendToQueue(queues.job, body, options, (error) => {
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
