import type { Channel } from "amqplib";
import { z } from "zod";
import { describeBinding, type BindingSpec, type ExchangeType } from "../../lib/routing";
import type { ScenarioDefinition } from "./definition";

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

export async function declareExchanges(channel: Channel): Promise<void> {
  for (const exchange of EXCHANGES) {
    await channel.assertExchange(exchange.name, exchange.type, { durable: true });
    for (const binding of exchange.bindings) {
      await channel.assertQueue(binding.queue, { durable: true });
      const args = exchange.type === "headers" ? { "x-match": binding.match ?? "all", ...binding.headers } : undefined;
      await channel.bindQueue(binding.queue, exchange.name, binding.key ?? "", args);
    }
  }
}

export const rabbitmqExchanges: ScenarioDefinition = {
  info: {
    id: "rabbitmq-exchanges",
    title: "Exchanges and bindings",
    summary:
      "One exchange of each type: direct compares the routing key, topic matches it against patterns, fanout copies to every queue, headers looks at message headers. Publish and watch which queues receive the message, and why each binding took it or not. A message no binding takes is returned to the publisher.",
    pattern: "routing",
    broker: "rabbitmq",
    guarantee: "at-most-once",
    roundTrip: "publish → broker confirm",
    publishLabel: "Publish",
    publishFields: [
      { name: "exchange", label: "Exchange", options: EXCHANGES.map((e) => e.name), initial: "orders.topic" },
      { name: "key", label: "Routing key", initial: "orders.eu.created" },
      { name: "headers", label: "Headers", initial: "tier=gold, region=eu", placeholder: "name=value, name=value" },
    ],
    roles: [
      { name: "publisher", description: "Publishes with the mandatory flag, so unroutable messages come back", min: 1, max: 1, killable: false },
      { name: "consumer", description: `Consumes every bound queue (${EXCHANGE_QUEUES.join(", ")})`, min: 0, max: 4, killable: true },
    ],
    commands: [
      { type: "publish", description: "Publish to exchange with key and headers, once or count times" },
      { type: "add-actor", description: "Add a consumer" },
      { type: "kill-actor", description: "SIGKILL a consumer; messages wait in their queues" },
      { type: "set", description: "Change delayMs (consumer work per message)" },
      { type: "reset", description: "Clear the ledger and the hop log" },
    ],
    settings: [{ name: "delayMs", label: "Consumer delay", unit: "ms", min: 0, max: 10_000, step: 10 }],
    channels: [
      ...EXCHANGES.map((e) => ({ id: exchangeChannelId(e.name), label: e.name, kind: `${e.type} exchange` })),
      ...EXCHANGES.flatMap((e) => e.bindings.map((b) => ({ id: queueChannelId(b.queue), label: b.queue, kind: "queue", column: "queues" as const }))),
    ],
    links: [
      ...EXCHANGES.map((e) => ({ from: "role:publisher", to: exchangeChannelId(e.name) })),
      ...EXCHANGES.flatMap((e) => e.bindings.map((b) => ({ from: exchangeChannelId(e.name), to: queueChannelId(b.queue), label: describeBinding(e.type, b) }))),
      ...EXCHANGE_QUEUES.map((q) => ({ from: queueChannelId(q), to: "role:consumer" })),
    ],
  },
  programs: { publisher: "rabbitmq-publisher", consumer: "rabbitmq-exchange-consumer" },
  publisherRole: "publisher",
  initialActors: [
    { role: "publisher", count: 1 },
    { role: "consumer", count: 1 },
  ],
  defaults: { delayMs: 100 },
  settingsSchema: z.object({ delayMs: z.number().int().min(0).max(60_000) }).partial().strict(),
  requeuesOnKill: true,
};
