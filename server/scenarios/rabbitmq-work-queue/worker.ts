import type { ConsumeMessage } from "amqplib";
import { openAmqpActor, replaceMe, workLoop } from "../../actors/kit";
import { describeMessage, sleep, type ActorProgram } from "../../actors/runtime";
import {
  declareJobQueues,
  DLQ_CHANNEL_ID,
  JOB_CHANNEL_ID,
  JOB_ID_HEADER,
  JOB_QUEUE,
  jobQueueNames,
  rejections,
  RETRY_CHANNEL_ID,
  RETRY_DELAY_MS,
} from "./names";

/**
 * Works one job at a time with manual acks; up to `prefetch` more wait unacked in its buffer.
 * Whatever it holds when it dies, the broker puts back in the queue. A failed job is rejected
 * into the retry queue until its last attempt, then parked in the dead-letter queue.
 */
export const rabbitmqWorker: ActorProgram<"delayMs" | "prefetch" | "failRate" | "maxAttempts"> = async (ctx) => {
  const self = ctx.spec.id;
  // Confirms, so a job is acked only after the dead-letter queue has safely taken it. A lost
  // connection ends the worker rather than ack on a dead channel: the broker requeues its jobs.
  const { connection, channel } = await openAmqpActor(ctx, { confirm: true, declare: declareJobQueues, prefetch: ctx.settings.prefetch });
  const queues = jobQueueNames(ctx.names);

  const describe = (msg: ConsumeMessage) => {
    const id = String(msg.properties.messageId ?? msg.properties.headers?.[JOB_ID_HEADER] ?? `untracked-${msg.fields.deliveryTag}`);
    const attempt = 1 + rejections(msg.properties.headers, queues.job) + (msg.fields.redelivered ? 1 : 0);
    return describeMessage({ id, destination: JOB_QUEUE, attempt, redelivered: msg.fields.redelivered }, msg.content);
  };

  const park = (msg: ConsumeMessage, reason: string) =>
    new Promise<void>((resolve) => {
      channel.sendToQueue(queues.deadLetter, msg.content, { persistent: true, messageId: msg.properties.messageId, headers: msg.properties.headers }, (error) => {
        if (error) {
          channel.nack(msg, false, true);
          return resolve();
        }
        // Reported before the ack, as an ack is (see below).
        ctx.emit({ kind: "dead-lettered", from: self, to: DLQ_CHANNEL_ID, message: describe(msg), reason });
        // A closed channel refuses the ack; the worker is leaving then, and the broker requeues.
        void ctx
          .flush()
          .then(() => channel.ack(msg))
          .catch(() => undefined)
          .finally(resolve);
      });
    });

  const handle = async (msg: ConsumeMessage) => {
    const message = describe(msg);
    await sleep(ctx.settings.delayMs);
    if (Math.random() >= ctx.settings.failRate) {
      // Reported before the ack leaves. RabbitMQ cannot be asked later whether it got an ack, so
      // the hop must not die with this process once the broker has let go of the job. Killed in
      // between, the broker requeues the job and another worker does it again: a duplicate the
      // ledger counts, never a job left in flight.
      ctx.emit({ kind: "acked", from: self, to: JOB_CHANNEL_ID, message });
      await ctx.flush();
      channel.ack(msg);
      return;
    }
    const maxAttempts = ctx.settings.maxAttempts;
    const attempt = 1 + rejections(msg.properties.headers, queues.job);
    if (attempt >= maxAttempts) return park(msg, `failed all ${maxAttempts} attempts`);
    channel.nack(msg, false, false);
    ctx.emit({ kind: "nacked", from: self, to: JOB_CHANNEL_ID, message, reason: `attempt ${attempt} of ${maxAttempts} failed` });
    ctx.emit({ kind: "retry", from: JOB_CHANNEL_ID, to: RETRY_CHANNEL_ID, message, reason: `back in the queue after ${RETRY_DELAY_MS} ms` });
  };

  const work = workLoop(handle);

  const onMessage = (msg: ConsumeMessage | null) => {
    if (!msg) return replaceMe(ctx, "the broker cancelled the consumer (its queue went away)");
    ctx.emit({ kind: msg.fields.redelivered ? "redelivered" : "delivered", from: JOB_CHANNEL_ID, to: self, message: describe(msg) });
    work(msg);
  };
  let consumerTag = (await channel.consume(queues.job, onMessage, { noAck: false })).consumerTag;
  let prefetch = ctx.settings.prefetch;
  // Settings arrive as separate messages; applying two at once could leave an old consumer.
  let applying: Promise<void> = Promise.resolve();
  const applyPrefetch = async (next: number) => {
    if (next === prefetch) return;
    // A prefetch applies to consumers created after it: consume again. Jobs already held stay
    // ackable on this channel.
    await channel.prefetch(next);
    await channel.cancel(consumerTag);
    consumerTag = (await channel.consume(queues.job, onMessage, { noAck: false })).consumerTag;
    prefetch = next;
  };

  return {
    async handle(command) {
      const next = command.type === "settings" ? command.settings.prefetch : undefined;
      if (next !== undefined) {
        applying = applying.catch(() => undefined).then(() => applyPrefetch(next));
        await applying;
      }
      return null;
    },
    async close() {
      await connection.close().catch(() => undefined);
    },
  };
};
