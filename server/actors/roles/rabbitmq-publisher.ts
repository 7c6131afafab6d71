import { explainRoute } from "../../../lib/routing";
import { connectAmqp, guardChannel } from "../../brokers/rabbitmq";
import { declareExchanges, DROP_UNROUTABLE, EXCHANGES, exchangeChannelId } from "../../scenarios/rabbitmq-exchanges";
import { describeMessage, now, messageIds, type ActorProgram } from "../runtime";

/**
 * Publishes with the mandatory flag: a message no binding takes comes back as basic.return
 * instead of vanishing. Each publish carries what every binding of its exchange made of it.
 */
export const rabbitmqPublisher: ActorProgram = async (ctx) => {
  const self = ctx.spec.id;
  const connection = await connectAmqp({ url: ctx.spec.brokerUrl, name: self, onConnectedChange: ctx.setConnected });
  connection.on("close", () => process.exit(1));
  const channel = await connection.createConfirmChannel();
  guardChannel(channel, ctx.log);
  await declareExchanges(channel);
  const nextId = messageIds();

  channel.on("return", (msg) => {
    const id = String(msg.properties.messageId ?? "unknown");
    const message = describeMessage({ id, destination: msg.fields.exchange, attempt: 1, redelivered: false }, msg.content);
    ctx.emit({ kind: "dropped", from: exchangeChannelId(msg.fields.exchange), to: self, message, reason: DROP_UNROUTABLE });
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
      for (let i = 0; i < command.count; i++) {
        const { id, n: counter } = nextId();
        const payload = command.payload ?? { orderId: `order-${counter}`, event: key || exchange.type };
        const body = Buffer.from(typeof payload === "string" ? payload : JSON.stringify(payload));
        const message = describeMessage({ id, destination: `${exchange.name} · ${key || "(no key)"}`, attempt: 1, redelivered: false }, body);
        ids.push(id);
        const publishedAt = now();
        ctx.emit({ kind: "published", from: self, to: exchangeChannelId(exchange.name), message, at: publishedAt, routing });
        channel.publish(exchange.name, key, body, { mandatory: true, persistent: true, messageId: id, headers, contentType: "application/json" }, (error) => {
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
