import { describeBinding } from "../../../lib/routing";
import { defineScenario, publishField } from "../model";
import { rabbitmqExchangeConsumer } from "./consumer";
import { EXCHANGE_QUEUES, EXCHANGES, exchangeChannelId, queueChannelId } from "./names";
import { rabbitmqPublisher } from "./publisher";

export const rabbitmqExchanges = defineScenario({
  id: "rabbitmq-exchanges",
  title: "Exchanges and bindings",
  summary:
    "One exchange of each type: direct compares the routing key, topic matches it against patterns, fanout copies to every queue, headers looks at message headers. Publish and watch which queues receive the message, and why each binding took it or not. A message no binding takes is returned to the publisher.",
  pattern: "routing",
  roundTrip: "publish → broker confirm",
  publishLabel: "Publish",
  publishFields: [
    publishField("exchange", { options: EXCHANGES.map((e) => e.name), initial: "orders.topic" }),
    publishField("key", { label: "Routing key", initial: "orders.eu.created" }),
    publishField("headers", { initial: "tier=gold, region=eu", placeholder: "name=value, name=value" }),
  ],
  settings: {
    delayMs: { label: "Consumer delay", unit: "ms", min: 0, max: 60_000, step: 10, default: 100 },
  },
  roles: {
    publisher: { description: "Publishes with the mandatory flag, so unroutable messages come back", program: rabbitmqPublisher, transport: "rabbitmq", initial: 1, min: 1, max: 1, killable: false, publishes: true },
    consumer: { description: `Consumes every bound queue (${EXCHANGE_QUEUES.join(", ")})`, program: rabbitmqExchangeConsumer, transport: "rabbitmq", initial: 1, min: 0, max: 4, killable: true },
  },
  commands: [
    { type: "publish", description: "Publish to exchange with key and headers, once or count times" },
    { type: "add-actor", description: "Add a consumer" },
    { type: "kill-actor", description: "SIGKILL a consumer; messages wait in their queues" },
    { type: "set", description: "Change delayMs (consumer work per message)" },
    { type: "reset", description: "Clear the ledger and the hop log" },
  ],
  channels: [
    ...EXCHANGES.map((e) => ({ id: exchangeChannelId(e.name), label: e.name, kind: `${e.type} exchange` })),
    ...EXCHANGES.flatMap((e) => e.bindings.map((b) => ({ id: queueChannelId(b.queue), label: b.queue, kind: "queue", column: "queues" as const }))),
  ],
  links: [
    ...EXCHANGES.map((e) => ({ from: "role:publisher", to: exchangeChannelId(e.name) })),
    ...EXCHANGES.flatMap((e) => e.bindings.map((b) => ({ from: exchangeChannelId(e.name), to: queueChannelId(b.queue), label: describeBinding(e.type, b) }))),
    ...EXCHANGE_QUEUES.map((q) => ({ from: queueChannelId(q), to: "role:consumer" })),
  ],
  delivery: { guarantee: "at-most-once", kills: { consumer: { requeue: true } } },
  demo: {
    before: [
      { exchange: "orders.topic", key: "orders.eu.created" },
      { exchange: "orders.direct", key: "paid" },
      { exchange: "orders.fanout" },
      { exchange: "orders.headers", headers: { tier: "gold", region: "eu" } },
      { exchange: "orders.direct", key: "refunded" },
    ],
    settleMs: 3000,
  },
});
