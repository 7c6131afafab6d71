import type { Channel } from "amqplib";
import { z } from "zod";
import type { ScenarioDefinition } from "./definition";

/** Requests wait here for any responder; one that dies before acking gives its request back. */
export const RPC_QUEUE = "rpc.inventory.check";
export const RPC_CHANNEL_ID = `rabbitmq:${RPC_QUEUE}`;
/** Each client's own exclusive reply queue, drawn as one node. */
export const REPLY_CHANNEL_ID = "rabbitmq:reply-to";
export const DROP_UNCORRELATED = "reply with no pending request (late or unknown correlationId)";
export const DROP_RPC_TIMEOUT = "no reply within the timeout";

export async function declareRpcQueue(channel: Channel): Promise<void> {
  await channel.assertQueue(RPC_QUEUE, { durable: true });
}

export const rabbitmqRpc: ScenarioDefinition = {
  info: {
    id: "rabbitmq-rpc",
    title: "RPC over queues",
    summary:
      "A client sends inventory checks to a request queue with replyTo and a correlationId, and matches each reply to its request. Responders ack only after replying: kill one mid-request and the request waits in the queue until another responder serves it.",
    pattern: "request-reply",
    broker: "rabbitmq",
    guarantee: "at-least-once",
    roundTrip: "request → correlated reply",
    publishLabel: "Send request",
    roles: [
      { name: "client", description: "Sends requests with replyTo and correlationId, and waits for the matching replies", min: 1, max: 1, killable: false },
      { name: "responder", description: `Consumes ${RPC_QUEUE} one request at a time, replies, then acks`, min: 0, max: 8, killable: true },
    ],
    commands: [
      { type: "publish", description: "Send one request, or a burst of count" },
      { type: "add-actor", description: "Add a responder" },
      { type: "kill-actor", description: "SIGKILL a responder; its unacked request goes back to the queue" },
      { type: "set", description: "Change delayMs (work per request) or timeoutMs" },
      { type: "reset", description: "Clear the ledger and the hop log" },
    ],
    settings: [
      { name: "delayMs", label: "Responder delay", unit: "ms", min: 0, max: 10_000, step: 10 },
      { name: "timeoutMs", label: "Client timeout", unit: "ms", min: 100, max: 60_000, step: 100 },
    ],
    channels: [
      { id: RPC_CHANNEL_ID, label: RPC_QUEUE, kind: "queue" },
      { id: REPLY_CHANNEL_ID, label: "reply-to (exclusive)", kind: "reply queue" },
    ],
    // Replies run these edges backwards: responder → reply queue → client.
    links: [
      { from: "role:client", to: RPC_CHANNEL_ID },
      { from: RPC_CHANNEL_ID, to: "role:responder" },
      { from: "role:client", to: REPLY_CHANNEL_ID },
      { from: REPLY_CHANNEL_ID, to: "role:responder" },
    ],
  },
  programs: { client: "rabbitmq-rpc-client", responder: "rabbitmq-rpc-responder" },
  publisherRole: "client",
  initialActors: [
    { role: "client", count: 1 },
    { role: "responder", count: 2 },
  ],
  defaults: { delayMs: 200, timeoutMs: 15_000 },
  settingsSchema: z
    .object({ delayMs: z.number().int().min(0).max(60_000), timeoutMs: z.number().int().min(100).max(120_000) })
    .partial()
    .strict(),
  requeuesOnKill: true,
  // The responder's ack only says the request left the queue; the client holding the reply
  // is what completes it.
  completesOn: ["reply-received"],
};
