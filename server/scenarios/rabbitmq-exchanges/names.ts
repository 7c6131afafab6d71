import type { Channel } from "amqplib";
import type { Namespace } from "../../brokers/namespace";
import type { BindingSpec, ExchangeType } from "../../../lib/routing";

export interface ExchangeSpec {
  name: string;
  type: ExchangeType;
  bindings: BindingSpec[];
}

/** One exchange of each type, bound to queues the way an order system might route its events. */
export const EXCHANGES: readonly ExchangeSpec[] = [
  {
    name: "orders.direct",
    type: "direct",
    bindings: [
      { queue: "ex.billing", key: "paid" },
      { queue: "ex.shipping", key: "shipped" },
    ],
  },
  {
    name: "orders.topic",
    type: "topic",
    bindings: [
      { queue: "ex.eu-orders", key: "orders.eu.*" },
      { queue: "ex.created", key: "orders.*.created" },
      { queue: "ex.all-orders", key: "orders.#" },
    ],
  },
  { name: "orders.fanout", type: "fanout", bindings: [{ queue: "ex.audit" }, { queue: "ex.analytics" }] },
  {
    name: "orders.headers",
    type: "headers",
    bindings: [
      { queue: "ex.vip", headers: { tier: "gold", region: "eu" }, match: "all" },
      { queue: "ex.express", headers: { shipping: "express", priority: "high" }, match: "any" },
    ],
  },
];

export const EXCHANGE_QUEUES = EXCHANGES.flatMap((e) => e.bindings.map((b) => b.queue));
export const exchangeChannelId = (name: string) => `rabbitmq:exchange:${name}`;
export const queueChannelId = (name: string) => `rabbitmq:${name}`;
export const DROP_UNROUTABLE = "unroutable: no binding matched (returned by the broker)";

export async function declareExchanges(channel: Channel, names: Namespace): Promise<void> {
  for (const exchange of EXCHANGES) {
    await channel.assertExchange(names.name(exchange.name), exchange.type, { durable: true });
    for (const binding of exchange.bindings) {
      await channel.assertQueue(names.name(binding.queue), { durable: true });
      const args = exchange.type === "headers" ? { "x-match": binding.match ?? "all", ...binding.headers } : undefined;
      await channel.bindQueue(names.name(binding.queue), names.name(exchange.name), binding.key ?? "", args);
    }
  }
}
