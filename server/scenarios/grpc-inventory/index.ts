import { defineScenario, publishField } from "../model";
import { grpcInventoryClient } from "./client";
import { healthGauge } from "../shared/grpc/health";
import { INVENTORY, MAX_SERVERS, METHODS, SERVICE_CHANNEL_ID } from "./names";
import { grpcInventoryServer } from "./server";

export const grpcInventory = defineScenario({
  id: "grpc-inventory",
  title: "gRPC inventory service",
  summary:
    "A client calls InventoryService over gRPC (HTTP/2, protobuf) with no broker in between: round robin spreads the calls over the live servers, each call has a deadline, and a retry policy sends a call whose server died (UNAVAILABLE) to another one. Kill a server mid-burst with retries on, then off, and compare the ledger. The method picks a unary call or one of the three kinds of stream.",
  pattern: "request-reply",
  roundTrip: "unary: call → OK · stream: call → first message",
  publishLabel: "Call",
  settings: {
    delayMs: { label: "Server work per message", unit: "ms", min: 0, max: 10_000, step: 10, default: 50 },
    deadlineMs: { label: "Deadline", unit: "ms", min: 50, max: 60_000, step: 50, default: 5_000 },
    retries: { label: "Retries (UNAVAILABLE)", unit: "", min: 0, max: 4, step: 1, default: 3 },
    cancelAfterMs: { label: "Cancel after (0: never)", unit: "ms", min: 0, max: 60_000, step: 50, default: 0 },
    streamLength: { label: "Messages per stream", unit: "", min: 1, max: 20, step: 1, default: 3 },
  },
  roles: {
    client: { description: "Calls InventoryService through one channel: round robin, deadline, retry policy", program: grpcInventoryClient, transport: "grpc", initial: 1, min: 1, max: 1, killable: false, publishes: true },
    server: { description: "An InventoryService server process with grpc.health.v1 beside it", program: grpcInventoryServer, transport: "grpc", initial: 3, min: 1, max: MAX_SERVERS, killable: true },
  },
  commands: [
    { type: "publish", description: "Make one call, or a burst of count; key names the method (CheckStock, WatchStock, ReserveItems, TrackOrder)" },
    { type: "add-actor", description: "Start another server: the client's round robin finds it within a second" },
    { type: "kill-actor", description: "SIGKILL a server: its calls fail UNAVAILABLE, and are retried elsewhere if retries > 0" },
    { type: "cancel", description: "Cancel every call still in flight: each ends CANCELLED for the client, and its server hears of it" },
    { type: "set", description: "Change delayMs, deadlineMs, retries, cancelAfterMs (0: never) or streamLength" },
    { type: "reset", description: "Clear the ledger and the hop log" },
  ],
  publishFields: [publishField("key", { label: "Method", options: [...METHODS], initial: "CheckStock" })],
  channels: [{ id: SERVICE_CHANNEL_ID, label: "InventoryService", kind: "service" }],
  delivery: {
    // No broker holds a call, so none can redeliver it; what gRPC promises is that the caller
    // learns how each call ended. The ledger counts calls by that status.
    guarantee: "caller-informed",
    // A dead server cannot say that its calls failed; its connection's end says it for it.
    kills: { server: { failCalls: { code: "UNAVAILABLE", details: "the server died mid-call: its connection dropped" } } },
  },
  gauges: { transport: "grpc", open: healthGauge(INVENTORY) },
  demo: { settings: { delayMs: 400, retries: 3 }, before: [{ count: 6 }], kill: { role: "server", afterMs: 250 }, after: [{ count: 1, key: "WatchStock" }], settleMs: 3_000 },
});
