/**
 * The client, server and health programs in this process, on loopback, with real gRPC: the
 * interceptors' hops and what the ledger makes of them. Kills (a real SIGKILL of a server
 * process) are in tests/integration/grpc-inventory.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LedgerTracker } from "../../../lib/ledger";
import { PROTOCOL_VERSION, type Hop, type MessageHop } from "../../../lib/protocol";
import { namespace } from "../../brokers/namespace";
import type { ActorBehaviour, ActorContext, HopInput } from "../../actors/runtime";
import { grpcInventoryClient, serviceConfig } from "./client";
import { healthGauge } from "../shared/grpc/health";
import { grpcInventory } from "./index";
import { INVENTORY, portsOf, SERVICE_CHANNEL_ID } from "./names";
import { grpcInventoryServer } from "./server";

const NS = `unit-grpc-${process.pid}`;
const hops: Hop[] = [];
let seq = 0;

function fakeContext(id: string, role: string, settings: Record<string, number>): ActorContext<string> {
  return {
    spec: { id, role, scenarioId: "grpc-inventory", brokerUrl: "", otherUrls: {}, namespace: NS, settings, natsTraceTo: null },
    natsTraceTo: null,
    broker: "grpc",
    names: namespace(NS),
    urlOf: () => "",
    settings,
    emit(hop: HopInput) {
      hops.push({ ...hop, at: hop.at ?? performance.timeOrigin + performance.now(), scenarioId: "grpc-inventory", broker: "grpc", v: PROTOCOL_VERSION, seq: ++seq } as Hop);
    },
    flush: async () => undefined,
    note: () => undefined,
    setConnected: () => undefined,
    setConnections: () => undefined,
    log: () => undefined,
    leave: () => undefined,
    onLeave: () => undefined,
  };
}

const settings: Record<string, number> = { ...grpcInventory.defaults, delayMs: 20 };
const streamLength = grpcInventory.defaults.streamLength ?? 3;
const running: ActorBehaviour[] = [];
const serverSettings: Record<string, number>[] = [];
let client: ActorBehaviour;

const messageHops = (ids: readonly string[]) => hops.filter((h): h is MessageHop => "message" in h && ids.some((id) => h.message.traceId === id));

function ledgerOf(ids: readonly string[]) {
  const tracker = new LedgerTracker(grpcInventory.ledgerRules);
  for (const hop of messageHops(ids)) tracker.apply(hop);
  return tracker.snapshot();
}

/** Publishes and waits until the client has the last status of every call. */
async function publish(count: number, key?: string): Promise<string[]> {
  const result = (await client.handle({ type: "publish", count, ...(key ? { key } : {}) })) as { messageIds: string[] };
  const ids = result.messageIds;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const ended = new Set(messageHops(ids).filter((h) => h.kind === "status" && h.call?.side === "client").map((h) => h.message.id));
    if (ended.size === ids.length) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  // The servers' own last hops (a cancel heard) follow by a turn at most.
  await new Promise((r) => setTimeout(r, 50));
  return ids;
}

beforeAll(async () => {
  for (const id of ["server-1", "server-2"]) {
    const own = { ...settings };
    serverSettings.push(own);
    running.push(await grpcInventoryServer(fakeContext(id, "server", own) as ActorContext<"delayMs">));
  }
  client = await grpcInventoryClient(fakeContext("client-1", "client", settings) as ActorContext<"deadlineMs" | "retries" | "cancelAfterMs" | "streamLength">);
  // Round robin spreads over the servers its channel is connected to: let it reach both.
  await new Promise((r) => setTimeout(r, 300));
});

afterAll(async () => {
  await client.close();
  for (const server of running) await server.close();
});

describe("grpc-inventory over loopback", () => {
  test("the retry policy is in the service config only when retries are on, with round robin either way", () => {
    const on = JSON.parse(serviceConfig(3)) as { loadBalancingConfig: unknown[]; methodConfig: { retryPolicy?: { maxAttempts: number; retryableStatusCodes: string[] } }[] };
    expect(on.loadBalancingConfig).toEqual([{ round_robin: {} }]);
    expect(on.methodConfig[0]?.retryPolicy?.maxAttempts).toBe(4);
    expect(on.methodConfig[0]?.retryPolicy?.retryableStatusCodes).toEqual(["UNAVAILABLE"]);
    const off = JSON.parse(serviceConfig(0)) as { methodConfig: { retryPolicy?: unknown }[] };
    expect(off.methodConfig[0]?.retryPolicy).toBeUndefined();
  });

  test("each instance has its own block of ports, below the ephemeral range", () => {
    const a = portsOf(namespace("host-3000"));
    const b = portsOf(namespace("host-3001"));
    expect(a).toHaveLength(8);
    expect(a[7]! - a[0]!).toBe(7);
    expect(a[0]).toBeGreaterThanOrEqual(20_000);
    expect(a[7]).toBeLessThan(32_768);
    expect(portsOf(namespace("host-3000"))).toEqual(a);
    expect(b).not.toEqual(a);
  });

  test("unary calls: each side reports start, request, response and status, spread over both servers", async () => {
    const ids = await publish(20);
    const ledger = ledgerOf(ids);
    expect(ledger).toMatchObject({ published: 20, delivered: 20, completed: 20, dropped: 0, lost: 0, inFlight: 0, redelivered: 0 });
    expect(ledger.calls).toEqual({ started: 20, ok: 20, retriedThenOk: 0, retries: 0, cancelled: 0, failed: {} });
    for (const id of ids) {
      const client = messageHops([id]).filter((h) => h.call?.side === "client");
      expect(client.map((h) => h.kind)).toEqual(["call-started", "request-message", "response-message", "status"]);
      const server = messageHops([id]).filter((h) => h.call?.side === "server");
      expect(server.map((h) => h.kind)).toEqual(["call-started", "request-message", "response-message", "status"]);
      const status = client[3]!;
      expect(status).toMatchObject({ from: SERVICE_CHANNEL_ID, to: "client-1", call: { method: "CheckStock", status: { code: "OK" } } });
      expect(typeof status.rttMs).toBe("number");
    }
    const byServer = new Map<string, number>();
    for (const hop of messageHops(ids)) if (hop.kind === "status" && hop.call?.side === "server") byServer.set(hop.from, (byServer.get(hop.from) ?? 0) + 1);
    expect([...byServer.keys()].sort()).toEqual(["server-1", "server-2"]);
  });

  test("a call past its deadline ends DEADLINE_EXCEEDED for the caller, and the server hears of it", async () => {
    settings.deadlineMs = 100;
    for (const own of serverSettings) own.delayMs = 300;
    try {
      const ids = await publish(2);
      expect(ledgerOf(ids)).toMatchObject({ published: 2, completed: 0, dropped: 2, dropReasons: { DEADLINE_EXCEEDED: 2 }, inFlight: 0 });
      expect(ledgerOf(ids).calls?.failed).toEqual({ DEADLINE_EXCEEDED: 2 });
      await new Promise((r) => setTimeout(r, 100));
      const heard = messageHops(ids).filter((h) => h.kind === "status" && h.call?.side === "server");
      expect(heard.map((h) => h.call?.status?.code)).toEqual(["DEADLINE_EXCEEDED", "DEADLINE_EXCEEDED"]);
    } finally {
      settings.deadlineMs = grpcInventory.defaults.deadlineMs ?? 5_000;
      for (const own of serverSettings) own.delayMs = 20;
    }
  });

  test("a call the client cancels is counted cancelled, and the server hears of the cancel", async () => {
    settings.cancelAfterMs = 60;
    for (const own of serverSettings) own.delayMs = 300;
    try {
      const ids = await publish(2);
      const ledger = ledgerOf(ids);
      expect(ledger).toMatchObject({ published: 2, completed: 0, dropped: 2, dropReasons: { CANCELLED: 2 }, inFlight: 0 });
      expect(ledger.calls).toMatchObject({ cancelled: 2, failed: {} });
      await new Promise((r) => setTimeout(r, 100));
      const heard = messageHops(ids).filter((h) => h.kind === "status" && h.call?.side === "server");
      expect(heard.map((h) => h.call?.status?.code)).toEqual(["CANCELLED", "CANCELLED"]);
    } finally {
      settings.cancelAfterMs = 0;
      for (const own of serverSettings) own.delayMs = 20;
    }
  });

  test.each([
    ["WatchStock", 1, streamLength],
    ["ReserveItems", streamLength, 1],
    ["TrackOrder", streamLength, streamLength],
  ] as const)("a %s call is one exchange: its messages in order, each side's status last", async (method, requests, responses) => {
    const ids = await publish(2, method);
    expect(ledgerOf(ids)).toMatchObject({ published: 2, completed: 2, dropped: 0, inFlight: 0 });
    for (const id of ids) {
      for (const side of ["client", "server"] as const) {
        const own = messageHops([id]).filter((h) => h.call?.side === side);
        expect(own[0]?.kind).toBe("call-started");
        expect(own.at(-1)).toMatchObject({ kind: "status", call: { status: { code: "OK" } } });
        const indexes = (kind: string) => own.filter((h) => h.kind === kind).map((h) => h.call?.index);
        expect(indexes("request-message")).toEqual(Array.from({ length: requests }, (_, i) => i + 1));
        expect(indexes("response-message")).toEqual(Array.from({ length: responses }, (_, i) => i + 1));
      }
      // A stream is timed to its first message back, not to its end.
      const first = messageHops([id]).find((h) => h.kind === "response-message" && h.call?.side === "client");
      expect(typeof first?.rttMs).toBe("number");
    }
  });

  test("the health gauge counts the servers that answer SERVING", async () => {
    const gauge = healthGauge(INVENTORY)("", namespace(NS));
    try {
      expect(await gauge.read()).toEqual({ [SERVICE_CHANNEL_ID]: { serving: 2 } });
    } finally {
      await gauge.close();
    }
    const other = healthGauge(INVENTORY)("", namespace(`${NS}-other`));
    try {
      expect(await other.read()).toEqual({ [SERVICE_CHANNEL_ID]: { serving: 0 } });
    } finally {
      await other.close();
    }
  });
});
