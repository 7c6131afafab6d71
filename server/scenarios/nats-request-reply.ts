import { z } from "zod";
import type { ScenarioDefinition } from "./definition";

/** From the seeds: the order service asks inventory, responders share a queue group. */
export const INVENTORY_SUBJECT = "inventory.check";
export const INVENTORY_QUEUE_GROUP = "inventory-check";
export const MESSAGE_ID_HEADER = "Hopscope-Message-Id";
export const ATTEMPT_HEADER = "Hopscope-Attempt";

export const DROP_NO_RESPONDERS = "no responders (503)";
export const DROP_TIMED_OUT = "timed out after retries";

export const natsRequestReplySettings = z
  .object({
    delayMs: z.number().int().min(0).max(60_000),
    timeoutMs: z.number().int().min(50).max(60_000),
    retries: z.number().int().min(0).max(10),
  })
  .partial()
  .strict();

export const natsRequestReply: ScenarioDefinition = {
  info: {
    id: "nats-request-reply",
    title: "Request / reply",
    summary:
      "The order service asks inventory over NATS and waits for the answer. Responders share a queue group, so each request reaches exactly one of them. A request that gets no reply in time is retried.",
    pattern: "request-reply",
    broker: "nats",
    guarantee: "at-most-once",
    roundTrip: "request → reply",
    publishLabel: "Send request",
    roles: [
      { name: "requester", description: "Sends inventory checks and waits for each reply", min: 1, max: 1, killable: false },
      { name: "responder", description: `Answers on ${INVENTORY_SUBJECT} in queue group ${INVENTORY_QUEUE_GROUP}`, min: 0, max: 8, killable: true },
    ],
    commands: [
      { type: "publish", description: "Send one request, or a burst of count" },
      { type: "add-actor", description: "Add a responder to the queue group" },
      { type: "kill-actor", description: "SIGKILL a responder" },
      { type: "set", description: "Change delayMs, timeoutMs or retries" },
      { type: "reset", description: "Clear the ledger and the hop log" },
    ],
    settings: [
      { name: "delayMs", label: "Responder delay", unit: "ms", min: 0, max: 10_000, step: 10 },
      { name: "timeoutMs", label: "Request timeout", unit: "ms", min: 50, max: 30_000, step: 50 },
      { name: "retries", label: "Retries", unit: "", min: 0, max: 10, step: 1 },
    ],
    channels: [{ id: `nats:${INVENTORY_SUBJECT}`, label: INVENTORY_SUBJECT, kind: "subject" }],
  },
  programs: { requester: "nats-requester", responder: "nats-responder" },
  publisherRole: "requester",
  initialActors: [
    { role: "requester", count: 1 },
    { role: "responder", count: 2 },
  ],
  defaults: { delayMs: 20, timeoutMs: 5_000, retries: 3 },
  settingsSchema: natsRequestReplySettings,
};

export const INVENTORY_CHANNEL_ID = natsRequestReply.info.channels[0]?.id ?? `nats:${INVENTORY_SUBJECT}`;
