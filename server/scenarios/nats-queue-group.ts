import { z } from "zod";
import type { ScenarioDefinition } from "./definition";

/**
 * From the seeds: the inventory service takes reserve_inventory work in queue group
 * inventory-reserve. Kept clear of orders.>, which the JetStream scenario's stream captures.
 */
export const RESERVE_SUBJECT = "inventory.reserve";
export const RESERVE_QUEUE_GROUP = "inventory-reserve";
export const RESERVE_CHANNEL_ID = `nats:${RESERVE_SUBJECT}`;

export const DROP_KILLED_IN_FLIGHT = "in flight to a killed worker: core NATS is at-most-once";
export const DROP_NO_WORKERS = `no worker in queue group ${RESERVE_QUEUE_GROUP}: NATS discarded it (503 no interest)`;
/** On a worker's done hop: nothing reaches the server, there is no ack in core NATS. */
export const DONE_WITHOUT_ACK = "core NATS has no ack, so the server is not told";

export const natsQueueGroup: ScenarioDefinition = {
  info: {
    id: "nats-queue-group",
    title: "Queue group",
    summary:
      "The order service publishes inventory reservations on inventory.reserve, fire and forget. Workers subscribe in queue group inventory-reserve, so NATS hands each message to one live member and the load spreads. A worker does one reservation at a time; the others it was handed wait in its client. Kill one: new messages go to the survivors at once, but what it held unfinished is gone for good. Core NATS is at-most-once: no ack, no redelivery (compare the JetStream scenario).",
    pattern: "work-queue",
    broker: "nats",
    guarantee: "at-most-once",
    roundTrip: "publish → server flush (PING/PONG)",
    publishLabel: "Reserve stock",
    roles: [
      { name: "publisher", description: `Publishes reservations on ${RESERVE_SUBJECT}, no reply expected`, min: 1, max: 1, killable: false },
      { name: "worker", description: `Subscribes to ${RESERVE_SUBJECT} in queue group ${RESERVE_QUEUE_GROUP}; one message at a time`, min: 0, max: 8, killable: true },
    ],
    commands: [
      { type: "publish", description: "Publish one reservation, or a burst of count" },
      { type: "add-actor", description: "Add a worker to the queue group" },
      { type: "kill-actor", description: "SIGKILL a worker; what it held unfinished is lost (at-most-once)" },
      { type: "set", description: "Change delayMs (work per message)" },
      { type: "reset", description: "Clear the ledger and the hop log" },
    ],
    settings: [{ name: "delayMs", label: "Work per message", unit: "ms", min: 0, max: 10_000, step: 10 }],
    channels: [{ id: RESERVE_CHANNEL_ID, label: `${RESERVE_SUBJECT} · queue ${RESERVE_QUEUE_GROUP}`, kind: "subject" }],
  },
  programs: { publisher: "nats-reserve-publisher", worker: "nats-queue-worker" },
  publisherRole: "publisher",
  initialActors: [
    { role: "publisher", count: 1 },
    { role: "worker", count: 3 },
  ],
  defaults: { delayMs: 250 },
  settingsSchema: z
    .object({ delayMs: z.number().int().min(0).max(60_000) })
    .partial()
    .strict(),
  dropsOnKill: DROP_KILLED_IN_FLIGHT,
  completesOn: ["processed"],
};
