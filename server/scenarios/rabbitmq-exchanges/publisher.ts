import { explainRoute } from "../../../lib/routing";
import { openAmqpActor, outgoing } from "../../actors/kit";
import { describeMessage, now, messageIds, type ActorProgram } from "../../actors/runtime";
import { declareExchanges, DROP_UNROUTABLE, EXCHANGES, exchangeChannelId } from "./names";

/**
 * Publishes with the mandatory flag: a message no binding takes comes back as basic.return
 * instead of vanishing. Each publish carries what every binding of its exchange made of it.
 */
export const rabbitmqPublisher: ActorProgram = async (ctx) => {
  const self = ctx.spec.id;
  const { connection, channel } = await openAmqpActor(ctx, { confirm: true, declare: declareExchanges });
  const nextId = messageIds();

  channel.on("return", (msg) => {
    const id = String(msg.properties.messageId ?? "unknown");
    const exchange = ctx.names.local(msg.fields.exchange);
    const message = describeMessage({ id, destination: exchange, attempt: 1, redelivered: false }, msg.content);
    ctx.emit({ kind: "dropped", from: exchangeChannelId(exchange), to: self, message, reason: DROP_UNROUTABLE });
  });

  return {
    async handle(command) {
      if (command.type !== "publish") return null;
      const exchange = EXCHANGES.find((e) => e.name === (command.exchange ?? "orders.topic"));
      if (!exchange) throw new Error(`exchange: no exchange "${command.exchange}"; choose one of ${EXCHANGES.map((e) => e.name).join(", ")}`);
      const key = command.key ?? "";
      const headers = command.headers ?? {};
      const routing = exchange.bindings.map((b) => explainRoute(exchange.type, b, key, headers));
      const ids: string[] = [];
      for (const { id, body } of outgoing(command, nextId, (n) => ({ orderId: `order-${n}`, event: key || exchange.type }))) {
        const message = describeMessage({ id, destination: `${exchange.name} · ${key || "(no key)"}`, attempt: 1, redelivered: false }, body);
        ids.push(id);
        const publishedAt = now();
        ctx.emit({ kind: "published", from: self, to: exchangeChannelId(exchange.name), message, at: publishedAt, routing });
        channel.publish(ctx.names.name(exchange.name), key, body, { mandatory: true, persistent: true, messageId: id, headers, contentType: "application/json" }, (error) => {
          if (!error) ctx.emit({ kind: "confirmed", from: exchangeChannelId(exchange.name), to: self, message, rttMs: now() - publishedAt });
          else ctx.emit({ kind: "dropped", from: exchangeChannelId(exchange.name), to: self, message, reason: `not confirmed: ${(error as Error).message ?? error}`.slice(0, 200) });
        });
      }
      return { messageIds: ids, routedTo: routing.filter((r) => r.matched).map((r) => r.queue) };
    },
    async close() {
      await connection.close().catch(() => undefined);
    },
  };
};
