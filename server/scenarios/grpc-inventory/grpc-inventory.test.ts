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
import { openHealthGauge } from "./health";
import { grpcInventory } from "./index";
import { DROP_CANCELLED, DROP_DEADLINE, portsOf, SERVICE_CHANNEL_ID } from "./names";
import { grpcInventoryServer } from "./server";

const NS = `unit-grpc-${process.pid}`;
const hops: Hop[] = [];
let seq = 0;

function fakeContext(id: string, role: string, settings: Record<string, number>): ActorContext<string> {
  return {
    spec: { id, role, scenarioId: "grpc-inventory", brokerUrl: "", otherUrls: {}, namespace: NS, settings },
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
    const ended = new Set(messageHops(ids).filter((h) => (h.kind === "reply-received" || h.kind === "dropped") && ids.includes(h.message.id)).map((h) => h.message.id));
    if (ended.size === ids.length) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  // Stream messages' last hops follow the status by a turn at most.
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

  test("unary calls: published, delivered, replied and received, spread over both servers", async () => {
    const ids = await publish(20);
    const ledger = ledgerOf(ids);
    expect(ledger).toMatchObject({ published: 20, delivered: 20, completed: 20, dropped: 0, lost: 0, inFlight: 0, duplicates: 0 });
    const byServer = new Map<string, number>();
    for (const hop of messageHops(ids)) if (hop.kind === "replied") byServer.set(hop.from, (byServer.get(hop.from) ?? 0) + 1);
    expect([...byServer.keys()].sort()).toEqual(["server-1", "server-2"]);
    const received = messageHops(ids).filter((h) => h.kind === "reply-received");
    expect(received.every((h) => h.from === SERVICE_CHANNEL_ID && h.to === "client-1" && typeof h.rttMs === "number")).toBe(true);
  });

  test("a call past its deadline is dropped as DEADLINE_EXCEEDED, and the server sees it time out", async () => {
    settings.deadlineMs = 100;
    for (const own of serverSettings) own.delayMs = 300;
    try {
      const ids = await publish(2);
      expect(ledgerOf(ids)).toMatchObject({ published: 2, completed: 0, dropped: 2, dropReasons: { [DROP_DEADLINE]: 2 }, inFlight: 0 });
      await new Promise((r) => setTimeout(r, 100));
      expect(messageHops(ids).filter((h) => h.kind === "timeout").length).toBe(2);
    } finally {
      settings.deadlineMs = grpcInventory.defaults.deadlineMs ?? 5_000;
      for (const own of serverSettings) own.delayMs = 20;
    }
  });

  test("a call the client cancels is dropped as CANCELLED, and the server sees the cancel", async () => {
    settings.cancelAfterMs = 60;
    for (const own of serverSettings) own.delayMs = 300;
    try {
      const ids = await publish(2);
      expect(ledgerOf(ids)).toMatchObject({ published: 2, completed: 0, dropped: 2, dropReasons: { [DROP_CANCELLED]: 2 }, inFlight: 0 });
      await new Promise((r) => setTimeout(r, 100));
      expect(messageHops(ids).filter((h) => h.kind === "nacked" && h.reason === "the client cancelled the call").length).toBe(2);
    } finally {
      settings.cancelAfterMs = 0;
      for (const own of serverSettings) own.delayMs = 20;
    }
  });

  test.each(["WatchStock", "ReportSales", "Reserve"])("a %s call completes with each of its streamed messages", async (method) => {
    const ids = await publish(2, method);
    const perCall = method === "Reserve" ? 1 + 2 * streamLength : 1 + streamLength;
    expect(ledgerOf(ids)).toMatchObject({ published: 2 * perCall, completed: 2 * perCall, dropped: 0, inFlight: 0 });
  });

  test("the health gauge counts the servers that answer SERVING", async () => {
    const gauge = openHealthGauge("", namespace(NS));
    try {
      expect(await gauge.read()).toEqual({ [SERVICE_CHANNEL_ID]: { serving: 2 } });
    } finally {
      await gauge.close();
    }
    const other = openHealthGauge("", namespace(`${NS}-other`));
    try {
      expect(await other.read()).toEqual({ [SERVICE_CHANNEL_ID]: { serving: 0 } });
    } finally {
      await other.close();
    }
  });
});
