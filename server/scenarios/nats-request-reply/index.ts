import { defineScenario } from "../model";
import { INVENTORY_CHANNEL_ID, INVENTORY_QUEUE_GROUP, INVENTORY_SUBJECT } from "./names";
import { natsRequester } from "./requester";
import { natsResponder } from "./responder";

export const natsRequestReply = defineScenario({
  id: "nats-request-reply",
  title: "Request / reply",
  summary:
    "The order service asks inventory over NATS and waits for the answer. Responders share a queue group, so each request reaches exactly one of them. A request that gets no reply in time is retried.",
  pattern: "request-reply",
  roundTrip: "request → reply",
  publishLabel: "Send request",
  settings: {
    delayMs: { label: "Responder delay", unit: "ms", min: 0, max: 60_000, step: 10, default: 20 },
    timeoutMs: { label: "Request timeout", unit: "ms", min: 50, max: 60_000, step: 50, default: 5_000 },
    retries: { label: "Retries", unit: "", min: 0, max: 10, step: 1, default: 3 },
  },
  roles: {
    requester: { description: "Sends inventory checks and waits for each reply", program: natsRequester, transport: "nats", initial: 1, min: 1, max: 1, killable: false, publishes: true },
    responder: { description: `Answers on ${INVENTORY_SUBJECT} in queue group ${INVENTORY_QUEUE_GROUP}`, program: natsResponder, transport: "nats", initial: 2, min: 0, max: 8, killable: true },
  },
  commands: [
    { type: "publish", description: "Send one request, or a burst of count" },
    { type: "add-actor", description: "Add a responder to the queue group" },
    { type: "kill-actor", description: "SIGKILL a responder" },
    { type: "set", description: "Change delayMs, timeoutMs or retries" },
    { type: "reset", description: "Clear the ledger and the hop log" },
  ],
  channels: [{ id: INVENTORY_CHANNEL_ID, label: INVENTORY_SUBJECT, kind: "subject" }],
  delivery: { guarantee: "at-most-once" },
  demo: { settings: { delayMs: 250, timeoutMs: 900, retries: 3 }, before: [{ count: 5 }], kill: { role: "responder", afterMs: 300 }, settleMs: 4000 },
});
