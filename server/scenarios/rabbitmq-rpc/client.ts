import { openAmqpActor, outgoing, replaceMe } from "../../actors/kit";
import { describeMessage, messageIds, type ActorProgram } from "../../actors/runtime";
import { declareRpcQueue, DROP_CLIENT_LEFT, DROP_RPC_TIMEOUT, DROP_UNCORRELATED, REPLY_CHANNEL_ID, RPC_CHANNEL_ID, RPC_QUEUE } from "./names";

interface Pending {
  startedAt: number;
  timer: NodeJS.Timeout;
  body: Buffer;
}

const sampleRequest = (n: number) => ({ sku: `sku-${100 + (n % 7)}`, quantity: 1 + (n % 3) });

/** Sends requests with replyTo and correlationId; every reply is matched to its request. */
export const rabbitmqRpcClient: ActorProgram<"timeoutMs"> = async (ctx) => {
  const self = ctx.spec.id;
  const { connection, channel } = await openAmqpActor(ctx, { confirm: true, declare: declareRpcQueue });
  // Exclusive and server-named: it lives and dies with this client's connection.
  const { queue: replyQueue } = await channel.assertQueue("", { exclusive: true, autoDelete: true });
  const pending = new Map<string, Pending>();
  const nextId = messageIds();
  // Leaving (its connection died) ends every request still waiting: said for each, rather than
  // left in flight for ever, since no reply can reach this client any more.
  ctx.onLeave(() => {
    for (const [id, request] of pending) {
      clearTimeout(request.timer);
      const message = describeMessage({ id, destination: RPC_QUEUE, attempt: 1, redelivered: false }, request.body);
      ctx.emit({ kind: "dropped", from: self, to: self, message, reason: DROP_CLIENT_LEFT });
    }
    pending.clear();
  });

  await channel.consume(
    replyQueue,
    (msg) => {
      if (!msg) return replaceMe(ctx, "the broker cancelled the reply consumer (its queue went away)");
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
      for (const { id, body } of outgoing(command, nextId, sampleRequest)) {
        const message = describeMessage({ id, destination: RPC_QUEUE, attempt: 1, redelivered: false }, body);
        ids.push(id);
        const timer = setTimeout(() => {
          if (!pending.delete(id)) return;
          ctx.emit({ kind: "dropped", from: self, to: self, message, reason: DROP_RPC_TIMEOUT });
        }, ctx.settings.timeoutMs);
        pending.set(id, { startedAt: performance.now(), timer, body });
        ctx.emit({ kind: "published", from: self, to: RPC_CHANNEL_ID, message });
        channel.sendToQueue(ctx.names.name(RPC_QUEUE), body, { correlationId: id, replyTo: replyQueue, messageId: id, persistent: true, contentType: "application/json" });
      }
      return { messageIds: ids };
    },
    async close() {
      await connection.close().catch(() => undefined);
    },
  };
};
