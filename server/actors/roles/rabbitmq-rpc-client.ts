import { connectAmqp, guardChannel } from "../../brokers/rabbitmq";
import { declareRpcQueue, DROP_RPC_TIMEOUT, DROP_UNCORRELATED, REPLY_CHANNEL_ID, RPC_CHANNEL_ID, RPC_QUEUE } from "../../scenarios/rabbitmq-rpc";
import { describeMessage, messageIds, type ActorProgram } from "../runtime";

interface Pending {
  startedAt: number;
  timer: NodeJS.Timeout;
  body: Buffer;
}

/** Sends requests with replyTo and correlationId; every reply is matched to its request. */
export const rabbitmqRpcClient: ActorProgram = async (ctx) => {
  const self = ctx.spec.id;
  const connection = await connectAmqp({ url: ctx.spec.brokerUrl, name: self, onConnectedChange: ctx.setConnected });
  connection.on("close", () => process.exit(1));
  const channel = await connection.createConfirmChannel();
  guardChannel(channel, ctx.log);
  await declareRpcQueue(channel);
  // Exclusive and server-named: it lives and dies with this client's connection.
  const { queue: replyQueue } = await channel.assertQueue("", { exclusive: true, autoDelete: true });
  const pending = new Map<string, Pending>();
  const nextId = messageIds();

  await channel.consume(
    replyQueue,
    (msg) => {
      // null: the broker cancelled this consumer (its queue went away); a replacement starts clean.
      if (!msg) process.exit(1);
      const id = String(msg.properties.correlationId ?? "");
      const request = pending.get(id);
      const message = describeMessage({ id: id || `uncorrelated-${msg.fields.deliveryTag}`, destination: replyQueue, attempt: 1, redelivered: false }, msg.content);
      if (!request) {
        ctx.emit({ kind: "dropped", from: REPLY_CHANNEL_ID, to: self, message, reason: DROP_UNCORRELATED });
        return;
      }
      pending.delete(id);
      clearTimeout(request.timer);
      ctx.emit({ kind: "reply-received", from: REPLY_CHANNEL_ID, to: self, message, rttMs: performance.now() - request.startedAt });
    },
    { noAck: true },
  );

  return {
    async handle(command) {
      if (command.type !== "publish") return null;
      const ids: string[] = [];
      for (let i = 0; i < command.count; i++) {
        const { id, n: counter } = nextId();
        const payload = command.payload ?? { sku: `sku-${100 + (counter % 7)}`, quantity: 1 + (counter % 3) };
        const body = Buffer.from(typeof payload === "string" ? payload : JSON.stringify(payload));
        const message = describeMessage({ id, destination: RPC_QUEUE, attempt: 1, redelivered: false }, body);
        ids.push(id);
        const timeoutMs = ctx.settings.timeoutMs ?? 15_000;
        const timer = setTimeout(() => {
          if (!pending.delete(id)) return;
          ctx.emit({ kind: "dropped", from: self, to: self, message, reason: DROP_RPC_TIMEOUT });
        }, timeoutMs);
        pending.set(id, { startedAt: performance.now(), timer, body });
        ctx.emit({ kind: "published", from: self, to: RPC_CHANNEL_ID, message });
        channel.sendToQueue(RPC_QUEUE, body, { correlationId: id, replyTo: replyQueue, messageId: id, persistent: true, contentType: "application/json" });
      }
      return { messageIds: ids };
    },
    async close() {
      await connection.close().catch(() => undefined);
    },
  };
};
