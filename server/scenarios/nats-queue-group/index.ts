import { defineScenario } from "../model";
import { DROP_KILLED_IN_FLIGHT, RESERVE_CHANNEL_ID, RESERVE_QUEUE_GROUP, RESERVE_SUBJECT } from "./names";
import { natsReservePublisher } from "./publisher";
import { natsQueueWorker } from "./worker";

export const natsQueueGroup = defineScenario({
  id: "nats-queue-group",
  title: "Queue group",
  summary:
    "The order service publishes inventory reservations on inventory.reserve, fire and forget. Workers subscribe in queue group inventory-reserve, so NATS hands each message to one live member and the load spreads. A worker does one reservation at a time; the others it was handed wait in its client. Kill one: new messages go to the survivors at once, but what it held unfinished is gone for good. Core NATS is at-most-once: no ack, no redelivery (compare the JetStream scenario).",
  pattern: "work-queue",
  roundTrip: "publish → server flush (PING/PONG)",
  publishLabel: "Reserve stock",
  settings: {
    delayMs: { label: "Work per message", unit: "ms", min: 0, max: 60_000, step: 10, default: 250 },
  },
  roles: {
    publisher: { description: `Publishes reservations on ${RESERVE_SUBJECT}, no reply expected`, program: natsReservePublisher, transport: "nats", initial: 1, min: 1, max: 1, killable: false, publishes: true },
    worker: { description: `Subscribes to ${RESERVE_SUBJECT} in queue group ${RESERVE_QUEUE_GROUP}; one message at a time`, program: natsQueueWorker, transport: "nats", initial: 3, min: 0, max: 8, killable: true },
  },
  commands: [
    { type: "publish", description: "Publish one reservation, or a burst of count" },
    { type: "add-actor", description: "Add a worker to the queue group" },
    { type: "kill-actor", description: "SIGKILL a worker; what it held unfinished is lost (at-most-once)" },
    { type: "set", description: "Change delayMs (work per message)" },
    { type: "reset", description: "Clear the ledger and the hop log" },
  ],
  channels: [{ id: RESERVE_CHANNEL_ID, label: `${RESERVE_SUBJECT} · queue ${RESERVE_QUEUE_GROUP}`, kind: "subject" }],
  delivery: { guarantee: "at-most-once", completesOn: ["processed"], kills: { worker: { drop: DROP_KILLED_IN_FLIGHT } } },
  demo: { settings: { delayMs: 400 }, before: [{ count: 9 }], kill: { role: "worker", afterMs: 500 }, after: [{ count: 4 }], settleMs: 4000 },
});
