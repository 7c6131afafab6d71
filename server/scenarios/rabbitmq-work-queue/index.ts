import { defineScenario, publishField } from "../model";
import { queueGauges } from "./gauges";
import { DEAD_LETTER_QUEUE, DLQ_CHANNEL_ID, JOB_CHANNEL_ID, JOB_QUEUE, RETRY_CHANNEL_ID, RETRY_QUEUE } from "./names";
import { rabbitmqProducer } from "./producer";
import { rabbitmqWorker } from "./worker";
import { deadLetterPeekSource } from "./peek";

export const rabbitmqWorkQueue = defineScenario({
  id: "rabbitmq-work-queue",
  title: "Job queue",
  summary:
    "A producer puts email jobs on a durable RabbitMQ queue with publisher confirms. Workers take them with manual acks and a prefetch window. Kill a worker holding unacked jobs: the broker puts them back and another worker receives them, marked redelivered. Failing jobs wait in a retry queue and, after the last attempt, are parked in a dead-letter queue, as are jobs whose TTL runs out.",
  pattern: "work-queue",
  roundTrip: "publish → broker confirm",
  publishLabel: "Send job",
  publishFields: [publishField("priority"), publishField("ttlMs")],
  settings: {
    delayMs: { label: "Job duration", unit: "ms", min: 0, max: 60_000, step: 10, default: 300 },
    prefetch: { label: "Prefetch", unit: "jobs", min: 1, max: 1_000, step: 1, default: 10 },
    failRate: { label: "Failure rate", unit: "0–1", min: 0, max: 1, step: 0.1, default: 0 },
    maxAttempts: { label: "Attempts", unit: "", min: 1, max: 10, step: 1, default: 3 },
  },
  roles: {
    producer: { description: `Publishes persistent jobs to ${JOB_QUEUE} and waits for the broker's confirm`, program: rabbitmqProducer, transport: "rabbitmq", initial: 1, min: 1, max: 1, killable: false, publishes: true },
    worker: { description: `Consumes ${JOB_QUEUE} with manual acks`, program: rabbitmqWorker, transport: "rabbitmq", initial: 2, min: 0, max: 8, killable: true },
  },
  commands: [
    { type: "publish", description: "Send one job, or a burst of count; priority 0-10 and ttlMs are optional" },
    { type: "add-actor", description: "Add a worker" },
    { type: "kill-actor", description: "SIGKILL a worker; its unacked jobs go back to the queue" },
    { type: "set", description: "Change delayMs (job duration), prefetch, failRate or maxAttempts" },
    { type: "reset", description: "Clear the ledger and the hop log" },
  ],
  channels: [
    { id: JOB_CHANNEL_ID, label: JOB_QUEUE, kind: "queue" },
    { id: RETRY_CHANNEL_ID, label: RETRY_QUEUE, kind: "retry queue" },
    { id: DLQ_CHANNEL_ID, label: DEAD_LETTER_QUEUE, kind: "dead-letter queue", column: "sink" },
  ],
  links: [
    { from: "role:producer", to: JOB_CHANNEL_ID },
    { from: JOB_CHANNEL_ID, to: "role:worker" },
    { from: JOB_CHANNEL_ID, to: RETRY_CHANNEL_ID },
    { from: "role:worker", to: DLQ_CHANNEL_ID },
    { from: JOB_CHANNEL_ID, to: DLQ_CHANNEL_ID },
  ],
  delivery: { guarantee: "at-least-once", kills: { worker: { requeue: true } } },
  gauges: { transport: "rabbitmq", open: queueGauges },
  peek: deadLetterPeekSource,
  demo: { settings: { delayMs: 500, prefetch: 3, failRate: 0.25, maxAttempts: 2 }, before: [{ count: 8 }], kill: { role: "worker", afterMs: 700 }, settleMs: 7000 },
});
