import { defineScenario } from "../model";
import { storyFront, storyJobWorker, storyPublishCheck, storyResponder, storySubscriber } from "../shared/story";
import { jobChannelId, jobQueue, JOB_QUEUES, JOBS, ORDER_CHANNEL, ORDER_CHANNEL_ID, PAYMENT_CHANNEL_ID, PAYMENT_QUEUE_GROUP, PAYMENT_SUBJECT, type Job } from "./names";
import { ORDER_PLAN } from "./plan";

const PAYMENT = { subject: PAYMENT_SUBJECT, queueGroup: PAYMENT_QUEUE_GROUP, channelId: PAYMENT_CHANNEL_ID };

/**
 * A payment service in a queue group: each charge reaches one member, which answers approved or
 * declined. Charges waiting in a killed member's client die with it, and the checkout's timeout
 * and retry take them to another member.
 */
const paymentResponder = storyResponder<"paymentDelayMs" | "declineRate">(
  PAYMENT,
  (ctx) => (Math.random() < ctx.settings.declineRate ? { reply: { approved: false, reason: "card declined" }, reason: "card declined" } : { reply: { approved: true, chargedBy: ctx.spec.id } }),
  (ctx) => ctx.settings.paymentDelayMs,
);
const jobWorker = (job: Job) => storyJobWorker(jobQueue(job), jobChannelId(job), JOB_QUEUES);

const worker = (job: string, initial: number) => ({ transport: "rabbitmq" as const, initial, min: 0, max: 4, killable: true, description: `Takes ${job} jobs one at a time with manual acks` });

export const orderPlacement = defineScenario({
  id: "order-placement",
  title: "Place an order",
  summary:
    "One order crosses three brokers, each for what it does best. Checkout asks payment over NATS and waits for the answer, retrying on timeout. A paid order gets three durable RabbitMQ jobs (inventory, emails, shipping) that must not be lost. Then Redis tells every listening service that the order was placed. Kill a payment responder, a worker or a subscriber, and each broker keeps its own promise: retried, redelivered, or missed.",
  pattern: "story",
  roundTrip: "payment request → reply",
  publishLabel: "Place order",
  settings: {
    paymentDelayMs: { label: "Payment time", unit: "ms", min: 0, max: 60_000, step: 10, default: 50 },
    timeoutMs: { label: "Payment timeout", unit: "ms", min: 50, max: 60_000, step: 50, default: 2_000 },
    retries: { label: "Payment retries", unit: "", min: 0, max: 10, step: 1, default: 2 },
    declineRate: { label: "Decline rate", unit: "0–1", min: 0, max: 1, step: 0.05, default: 0.1 },
    jobDelayMs: { label: "Job duration", unit: "ms", min: 0, max: 60_000, step: 10, default: 100 },
  },
  roles: {
    checkout: {
      description: "Charges over NATS, queues three jobs on RabbitMQ with confirms, broadcasts on Redis",
      program: storyFront(ORDER_PLAN),
      transport: "nats",
      alsoSpeaks: ["rabbitmq", "redis"],
      initial: 1,
      min: 1,
      max: 1,
      killable: false,
      publishes: true,
    },
    payment: { description: `Answers ${PAYMENT_SUBJECT} in queue group ${PAYMENT_QUEUE_GROUP}: approved or declined`, program: paymentResponder, transport: "nats", initial: 2, min: 0, max: 6, killable: true },
    "inventory-worker": { ...worker("inventory", 2), program: jobWorker("inventory") },
    "email-worker": { ...worker("email", 1), program: jobWorker("emails") },
    "shipping-worker": { ...worker("shipping", 1), program: jobWorker("shipping") },
    subscriber: { description: `Listens on the Redis channel ${ORDER_CHANNEL} for order_placed`, program: storySubscriber({ channel: ORDER_CHANNEL, channelId: ORDER_CHANNEL_ID, idField: "orderId" }), transport: "redis", initial: 2, min: 0, max: 6, killable: true },
  },
  commands: [
    { type: "publish", description: "Place one order, or a burst of count" },
    { type: "add-actor", description: "Add a payment responder, a worker of one job queue, or a subscriber" },
    { type: "kill-actor", description: "SIGKILL a payment responder (its charges time out and are retried), a worker (its jobs are redelivered) or a subscriber (it misses broadcasts)" },
    { type: "set", description: "Change paymentDelayMs, timeoutMs, retries, declineRate or jobDelayMs" },
    { type: "reset", description: "Clear the ledger and the hop log" },
  ],
  channels: [
    { id: PAYMENT_CHANNEL_ID, label: PAYMENT_SUBJECT, kind: "subject" },
    ...JOBS.map((job) => ({ id: jobChannelId(job), label: job, kind: "queue" })),
    { id: ORDER_CHANNEL_ID, label: ORDER_CHANNEL, kind: "channel" },
  ],
  links: [
    { from: "role:checkout", to: PAYMENT_CHANNEL_ID },
    { from: PAYMENT_CHANNEL_ID, to: "role:payment" },
    { from: "role:checkout", to: jobChannelId("inventory") },
    { from: jobChannelId("inventory"), to: "role:inventory-worker" },
    { from: "role:checkout", to: jobChannelId("emails") },
    { from: jobChannelId("emails"), to: "role:email-worker" },
    { from: "role:checkout", to: jobChannelId("shipping") },
    { from: jobChannelId("shipping"), to: "role:shipping-worker" },
    { from: "role:checkout", to: ORDER_CHANNEL_ID },
    { from: ORDER_CHANNEL_ID, to: "role:subscriber" },
  ],
  checkPublish: storyPublishCheck(ORDER_PLAN),
  delivery: {
    // The promise that matters to the customer: a paid order's jobs are done, whatever dies.
    guarantee: "at-least-once",
    kills: { "inventory-worker": { requeue: true }, "email-worker": { requeue: true }, "shipping-worker": { requeue: true } },
    audience: "subscriber",
    legs: [
      { name: "payment", guarantee: "at-most-once", destinations: [PAYMENT_SUBJECT] },
      { name: "jobs", guarantee: "at-least-once", destinations: JOB_QUEUES },
      { name: "broadcast", guarantee: "at-most-once", destinations: [ORDER_CHANNEL], completesOn: ["confirmed"] },
    ],
    unit: { name: "order", completesWhenAll: JOB_QUEUES, endsOnDropIn: ["payment"] },
  },
  demo: {
    settings: { paymentDelayMs: 250, timeoutMs: 700, retries: 2, declineRate: 0.2, jobDelayMs: 500 },
    before: [{ count: 6 }],
    kill: { role: "inventory-worker", afterMs: 1_200 },
    settleMs: 8_000,
  },
});
