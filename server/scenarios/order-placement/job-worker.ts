import type { ConsumeMessage } from "amqplib";
import { openAmqpActor, replaceMe, workLoop } from "../../actors/kit";
import { describeMessage, sleep, type ActorProgram } from "../../actors/runtime";
import { TRACE_ID_HEADER } from "../../brokers/rabbitmq";
import { declareJobQueues, jobChannelId, jobQueue, type Job } from "./names";

/** How many unacked jobs a worker holds: a kill gives them all back to the queue. */
const JOB_PREFETCH = 5;

/**
 * A worker of one job queue, one job at a time with manual acks. Whatever it holds when it dies,
 * RabbitMQ puts back in the queue for its colleagues, marked redelivered.
 */
export function jobWorker(job: Job): ActorProgram<"jobDelayMs"> {
  return async (ctx) => {
    const self = ctx.spec.id;
    const queue = jobQueue(job);
    const channelId = jobChannelId(job);
    const { connection, channel } = await openAmqpActor(ctx, { confirm: false, declare: declareJobQueues, prefetch: JOB_PREFETCH });
    const describe = (msg: ConsumeMessage) => {
      const id = String(msg.properties.messageId ?? `untracked-${msg.fields.deliveryTag}`);
      const traceId = msg.properties.headers?.[TRACE_ID_HEADER];
      return describeMessage({ id, traceId: typeof traceId === "string" ? traceId : id, destination: queue, attempt: msg.fields.redelivered ? 2 : 1, redelivered: msg.fields.redelivered }, msg.content);
    };
    const work = workLoop(async (msg: ConsumeMessage) => {
      if (ctx.settings.jobDelayMs > 0) await sleep(ctx.settings.jobDelayMs);
      // Reported before the ack leaves: RabbitMQ cannot be asked later whether it got an ack, so
      // a hop lost to a kill after it would leave the job in flight for good. Killed in between,
      // the job is requeued and done again: a duplicate, counted.
      ctx.emit({ kind: "acked", from: self, to: channelId, message: describe(msg) });
      await ctx.flush();
      channel.ack(msg);
    });
    await channel.consume(
      ctx.names.name(queue),
      (msg) => {
        if (!msg) return replaceMe(ctx, "the broker cancelled the consumer (its queue went away)");
        ctx.emit({ kind: msg.fields.redelivered ? "redelivered" : "delivered", from: channelId, to: self, message: describe(msg) });
        work(msg);
      },
      { noAck: false },
    );
    return {
      async handle() {
        return null;
      },
      async close() {
        await connection.close().catch(() => undefined);
      },
    };
  };
}
