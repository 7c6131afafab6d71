import type { ConsumeMessage } from "amqplib";
import { connectAmqp } from "../../brokers/rabbitmq";
import { JOB_CHANNEL_ID, JOB_ID_HEADER, JOB_QUEUE } from "../../scenarios/rabbitmq-work-queue";
import { describeMessage, sleep, type ActorProgram } from "../runtime";

/**
 * Works one job at a time with manual acks; up to `prefetch` more wait unacked in its buffer.
 * Whatever it holds when it dies, the broker puts back in the queue.
 */
export const rabbitmqWorker: ActorProgram = async (ctx) => {
  const self = ctx.spec.id;
  const connection = await connectAmqp({ url: ctx.spec.brokerUrl, name: self, onConnectedChange: ctx.setConnected });
  // A delivery tag belongs to its channel: after a lost connection no tag may be acked, so the
  // worker exits (its jobs are requeued by the broker) rather than ack on a dead channel.
  connection.on("close", () => process.exit(1));
  const channel = await connection.createChannel();
  await channel.assertQueue(JOB_QUEUE, { durable: true });
  await channel.prefetch(ctx.settings.prefetch ?? 10);

  const backlog: ConsumeMessage[] = [];
  let working = false;
  const work = async () => {
    if (working) return;
    working = true;
    for (let msg = backlog.shift(); msg; msg = backlog.shift()) {
      const id = String(msg.properties.messageId ?? msg.properties.headers?.[JOB_ID_HEADER] ?? `untracked-${msg.fields.deliveryTag}`);
      const fields = { id, destination: JOB_QUEUE, attempt: msg.fields.redelivered ? 2 : 1, redelivered: msg.fields.redelivered };
      await sleep(ctx.settings.delayMs ?? 0);
      channel.ack(msg);
      ctx.emit({ kind: "acked", from: self, to: JOB_CHANNEL_ID, message: describeMessage(fields, msg.content) });
    }
    working = false;
  };

  await channel.consume(
    JOB_QUEUE,
    (msg) => {
      if (!msg) return;
      const id = String(msg.properties.messageId ?? msg.properties.headers?.[JOB_ID_HEADER] ?? `untracked-${msg.fields.deliveryTag}`);
      const redelivered = msg.fields.redelivered;
      ctx.emit({
        kind: redelivered ? "redelivered" : "delivered",
        from: JOB_CHANNEL_ID,
        to: self,
        message: describeMessage({ id, destination: JOB_QUEUE, attempt: redelivered ? 2 : 1, redelivered }, msg.content),
      });
      backlog.push(msg);
      void work();
    },
    { noAck: false },
  );

  return {
    async handle(command) {
      if (command.type === "settings" && command.settings.prefetch !== undefined) await channel.prefetch(command.settings.prefetch);
      return null;
    },
    async close() {
      await connection.close().catch(() => undefined);
    },
  };
};
