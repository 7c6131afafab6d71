import { defineScenario } from "../model";
import { jetstreamFateSource } from "./fates";
import { jetstreamGauges } from "./gauges";
import { CONSUMER_CHANNEL_ID, INVENTORY_CONSUMER, ORDER_CREATED_SUBJECT, ORDERS_STREAM, ORDERS_SUBJECTS, STREAM_CHANNEL_ID, TERMINATED_CHANNEL_ID } from "./names";
import { natsJsPublisher } from "./publisher";
import { natsJsWorker } from "./worker";

export const natsJetstream = defineScenario({
  id: "nats-jetstream",
  title: "JetStream work queue",
  summary:
    "The order service stores orders.created events in the JetStream stream ORDERS (work-queue retention: an acked message leaves it) and gets a PubAck with the stream sequence. Workers pull one message at a time from the durable consumer inventory-service and ack each explicitly. Kill a worker before it acks: once the ack wait runs out JetStream delivers the message again, with its delivery count. A failing message is nak'ed and comes back; after max deliver JetStream gives up and announces it (terminated). Same broker as the queue group, but at-least-once instead of at-most-once: the stream keeps the message until someone acks it.",
  pattern: "work-queue",
  roundTrip: "publish → PubAck (stored)",
  publishLabel: "Store order",
  settings: {
    delayMs: { label: "Work per message", unit: "ms", min: 0, max: 60_000, step: 10, default: 200 },
    failRate: { label: "Failure rate", unit: "0–1", min: 0, max: 1, step: 0.1, default: 0 },
    ackWaitMs: { label: "Ack wait", unit: "ms", min: 500, max: 600_000, step: 500, default: 3_000 },
    maxDeliver: { label: "Max deliver", unit: "", min: 1, max: 20, step: 1, default: 4 },
  },
  roles: {
    publisher: { description: `Publishes to ${ORDER_CREATED_SUBJECT} and waits for the stream's PubAck; reports max-deliveries advisories`, program: natsJsPublisher, transport: "nats", initial: 1, min: 1, max: 1, killable: false, publishes: true },
    worker: { description: `Pulls from durable consumer ${INVENTORY_CONSUMER}, one message at a time, explicit ack`, program: natsJsWorker, transport: "nats", initial: 2, min: 0, max: 8, killable: true },
  },
  commands: [
    { type: "publish", description: "Store one order event, or a burst of count" },
    { type: "add-actor", description: "Add a worker on the same durable consumer" },
    { type: "kill-actor", description: "SIGKILL a worker; its unacked message comes back after the ack wait" },
    { type: "set", description: "Change delayMs, failRate, ackWaitMs or maxDeliver (the consumer is updated in place)" },
    { type: "reset", description: "Clear the ledger and the hop log" },
  ],
  channels: [
    { id: STREAM_CHANNEL_ID, label: `${ORDERS_STREAM} (${ORDERS_SUBJECTS})`, kind: "stream" },
    { id: CONSUMER_CHANNEL_ID, label: INVENTORY_CONSUMER, kind: "durable consumer", column: "queues" },
    { id: TERMINATED_CHANNEL_ID, label: "max deliveries advisory", kind: "terminated", column: "sink" },
  ],
  links: [
    { from: "role:publisher", to: STREAM_CHANNEL_ID },
    { from: STREAM_CHANNEL_ID, to: CONSUMER_CHANNEL_ID },
    { from: CONSUMER_CHANNEL_ID, to: "role:worker" },
    { from: CONSUMER_CHANNEL_ID, to: TERMINATED_CHANNEL_ID },
  ],
  // A dead worker's last hops die with it; the stream says what became of what it held.
  delivery: { guarantee: "at-least-once", fates: jetstreamFateSource },
  gauges: { transport: "nats", open: jetstreamGauges },
  demo: { settings: { delayMs: 1200, ackWaitMs: 2000, failRate: 0 }, before: [{ count: 4 }], kill: { role: "worker", afterMs: 500 }, settleMs: 8000 },
});
