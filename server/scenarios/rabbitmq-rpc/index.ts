import { defineScenario } from "../model";
import { rabbitmqRpcClient } from "./client";
import { REPLY_CHANNEL_ID, RPC_CHANNEL_ID, RPC_QUEUE } from "./names";
import { rabbitmqRpcResponder } from "./responder";

export const rabbitmqRpc = defineScenario({
  id: "rabbitmq-rpc",
  title: "RPC over queues",
  summary:
    "A client sends inventory checks to a request queue with replyTo and a correlationId, and matches each reply to its request. Responders ack only after replying: kill one mid-request and the request waits in the queue until another responder serves it.",
  pattern: "request-reply",
  roundTrip: "request → correlated reply",
  publishLabel: "Send request",
  settings: {
    delayMs: { label: "Responder delay", unit: "ms", min: 0, max: 60_000, step: 10, default: 200 },
    timeoutMs: { label: "Client timeout", unit: "ms", min: 100, max: 120_000, step: 100, default: 15_000 },
  },
  roles: {
    client: { description: "Sends requests with replyTo and correlationId, and waits for the matching replies", program: rabbitmqRpcClient, transport: "rabbitmq", initial: 1, min: 1, max: 1, killable: false, publishes: true },
    responder: { description: `Consumes ${RPC_QUEUE} one request at a time, replies, then acks`, program: rabbitmqRpcResponder, transport: "rabbitmq", initial: 2, min: 0, max: 8, killable: true },
  },
  commands: [
    { type: "publish", description: "Send one request, or a burst of count" },
    { type: "add-actor", description: "Add a responder" },
    { type: "kill-actor", description: "SIGKILL a responder; its unacked request goes back to the queue" },
    { type: "set", description: "Change delayMs (work per request) or timeoutMs" },
    { type: "reset", description: "Clear the ledger and the hop log" },
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
  delivery: {
    guarantee: "at-least-once",
    // The responder's ack only says the request left the queue; the client holding the reply
    // is what completes it.
    completesOn: ["reply-received"],
    kills: { responder: { requeue: true } },
  },
  demo: { settings: { delayMs: 400 }, before: [{ count: 5 }], kill: { role: "responder", afterMs: 250 }, settleMs: 4000 },
});
