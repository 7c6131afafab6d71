import { defineScenario } from "../model";
import { healthGauge } from "../shared/grpc/health";
import { groupConsumer } from "../shared/kafka-group-consumer";
import { storyJobWorker } from "../shared/story";
import { apiGateway } from "./gateway";
import { analyticsGroup, ANALYTICS_GROUP, EMAIL_QUEUE, EMAIL_QUEUE_CHANNEL_ID, EVENT_PARTITIONS, EVENT_TOPIC, EVENT_TOPIC_CHANNEL_ID, MAX_ORDER_SERVICES, ORDERS, PLACE_ORDER } from "./names";
import { ordersService } from "./orders-service";

/** Each member of the group reads its partitions' order events and records them, one at a time. */
const analytics = groupConsumer<"analyticsDelayMs">({
  topic: EVENT_TOPIC,
  group: analyticsGroup,
  channelOf: () => EVENT_TOPIC_CHANNEL_ID,
  partitions: () => EVENT_PARTITIONS,
  delayMs: (ctx) => ctx.settings.analyticsDelayMs,
});

export const hybridApi = defineScenario({
  id: "hybrid-api",
  title: "Hybrid: gRPC, Kafka and RabbitMQ",
  summary:
    "Seed 001's hybrid architecture: an API gateway calls the orders service over gRPC and waits for the answer. Before answering, the orders service writes an order_placed event to Kafka for analytics (kept, replayable) and queues a confirmation email on RabbitMQ (a job with acks). Kill the orders service and the gateway's calls fail UNAVAILABLE: the caller learns. Kill an email worker and RabbitMQ requeues its unacked jobs. Kill an analytics member and, after the group rebalances, the new owner reads again what it had not committed.",
  pattern: "story",
  roundTrip: "PlaceOrder call → OK",
  publishLabel: "Place order",
  settings: {
    orderDelayMs: { label: "Orders service work", unit: "ms", min: 0, max: 60_000, step: 10, default: 100 },
    deadlineMs: { label: "Call deadline", unit: "ms", min: 50, max: 60_000, step: 50, default: 5_000 },
    analyticsDelayMs: { label: "Analytics work per event", unit: "ms", min: 0, max: 60_000, step: 10, default: 100 },
    jobDelayMs: { label: "Email send time", unit: "ms", min: 0, max: 60_000, step: 10, default: 150 },
  },
  roles: {
    "api-gateway": { description: "Places each order with a PlaceOrder call to OrdersService and waits, with a deadline and no retry", program: apiGateway, transport: "grpc", initial: 1, min: 1, max: 1, killable: false, publishes: true },
    "orders-service": {
      description: `Serves OrdersService; writes ${EVENT_TOPIC} to Kafka and queues an email on RabbitMQ before it answers`,
      program: ordersService,
      transport: "grpc",
      alsoSpeaks: ["kafka", "rabbitmq"],
      initial: 2,
      min: 0,
      max: MAX_ORDER_SERVICES,
      killable: true,
    },
    analytics: { description: `Member of the Kafka consumer group ${ANALYTICS_GROUP}: records each order event`, program: analytics, transport: "kafka", initial: 2, min: 0, max: EVENT_PARTITIONS, killable: true },
    "email-worker": { description: "Sends confirmation emails, one job at a time with manual acks", program: storyJobWorker(EMAIL_QUEUE, EMAIL_QUEUE_CHANNEL_ID, [EMAIL_QUEUE]), transport: "rabbitmq", initial: 2, min: 0, max: 4, killable: true },
  },
  commands: [
    { type: "publish", description: "Place one order, or a burst of count; payload may set customerEmail, items and total" },
    { type: "add-actor", description: "Add an orders service (the gateway finds it within a second), an analytics member (the group rebalances) or an email worker" },
    { type: "kill-actor", description: "SIGKILL an orders service (its calls fail UNAVAILABLE), an analytics member (its partitions move after its session times out) or an email worker (its jobs are requeued)" },
    { type: "set", description: "Change orderDelayMs, deadlineMs, analyticsDelayMs or jobDelayMs" },
    { type: "reset", description: "Clear the ledger and the hop log" },
  ],
  channels: [
    { id: ORDERS.channelId, label: ORDERS.label, kind: "service" },
    { id: EVENT_TOPIC_CHANNEL_ID, label: EVENT_TOPIC, kind: "topic" },
    { id: EMAIL_QUEUE_CHANNEL_ID, label: "emails", kind: "queue" },
  ],
  // The orders service stands between the call and the brokers, as in the seed's diagram.
  layout: "pipeline",
  links: [
    { from: "role:api-gateway", to: ORDERS.channelId },
    { from: ORDERS.channelId, to: "role:orders-service" },
    { from: "role:orders-service", to: EVENT_TOPIC_CHANNEL_ID },
    { from: EVENT_TOPIC_CHANNEL_ID, to: "role:analytics" },
    { from: "role:orders-service", to: EMAIL_QUEUE_CHANNEL_ID },
    { from: EMAIL_QUEUE_CHANNEL_ID, to: "role:email-worker" },
  ],
  delivery: {
    // The promise that matters once an order is accepted: its event and its email are not lost.
    guarantee: "at-least-once",
    kills: {
      // A dead server cannot say that its calls failed; its connection's end says it for it.
      "orders-service": { failCalls: { code: "UNAVAILABLE", details: "the orders service died mid-call: its connection dropped" } },
      "email-worker": { requeue: true },
    },
    legs: [
      { name: "call", guarantee: "caller-informed", destinations: [PLACE_ORDER] },
      // Published to the topic, delivered in the group: a record read again by a partition's next owner is a redelivery.
      { name: "analytics", guarantee: "at-least-once", destinations: [EVENT_TOPIC, ANALYTICS_GROUP], completesOn: ["processed"], exclusiveDelivery: true },
      { name: "email", guarantee: "at-least-once", destinations: [EMAIL_QUEUE] },
    ],
    unit: { name: "order", completesWhenAll: [PLACE_ORDER, ANALYTICS_GROUP, EMAIL_QUEUE], endsOnDropIn: [] },
  },
  gauges: { transport: "grpc", open: healthGauge(ORDERS) },
  demo: {
    settings: { orderDelayMs: 400, analyticsDelayMs: 300, jobDelayMs: 500 },
    warmupMs: 8_000,
    before: [{ count: 6 }],
    kill: { role: "orders-service", afterMs: 200 },
    after: [{ count: 3 }],
    settleMs: 6_000,
  },
});
