import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isMessageHop, type MessageHop } from "../../lib/protocol";
import type { Hop, Ledger } from "../../lib/protocol";
import type { Hopscope } from "../../server/app";
import { DROP_CANCELLED, DROP_DEADLINE, DROP_UNAVAILABLE, SERVICE_CHANNEL_ID } from "../../server/scenarios/grpc-inventory/names";
import { api, everyHop, liveActors, startHopscope, state, waitFor } from "./harness";

const ID = "grpc-inventory";
let hopscope: Hopscope;
let base: string;

const command = (body: unknown) => api<{ ok: boolean; result: Record<string, unknown> }>(base, "POST", `/api/scenarios/${ID}/commands`, body);
const messageHops = (hops: Hop[]) => hops.filter(isMessageHop);

async function publish(count: number, key?: string): Promise<string[]> {
  const res = await command({ type: "publish", count, ...(key ? { key } : {}) });
  expect(res.status).toBe(200);
  return res.body.result.messageIds as string[];
}

/** Every call (and streamed message) has ended: completed or dropped, none in flight. */
async function settled(published: number, timeoutMs = 30_000): Promise<Ledger> {
  return waitFor(
    `${published} messages to settle`,
    async () => {
      const { ledger } = await state(base, ID);
      return ledger.published === published && ledger.inFlight === 0 ? ledger : undefined;
    },
    timeoutMs,
  );
}

async function serving(n: number): Promise<void> {
  await waitFor(`${n} servers answering SERVING`, async () => ((await state(base, ID)).gauges[SERVICE_CHANNEL_ID]?.serving === n ? true : undefined), 15_000);
}

/** Back to three live servers, and every one answering health checks (so round robin has them). */
async function threeServers(): Promise<void> {
  for (let live = (await liveActors(base, ID, "server")).length; live < 3; live++) expect((await command({ type: "add-actor", role: "server" })).status).toBe(200);
  await serving(3);
  // The client dials a server that just appeared within its reconnect backoff (at most 1 s).
  await new Promise((r) => setTimeout(r, 1_200));
}

/**
 * A burst of 500 calls held by the servers (each works 1 s on a call), then a SIGKILL of one
 * server while it holds its share. Returns the ids of the calls that server held.
 */
async function burstWithKill(): Promise<{ killed: string; held: Set<string>; ids: string[] }> {
  await command({ type: "reset" });
  await command({ type: "set", delayMs: 1_000, deadlineMs: 20_000 });
  const ids = await publish(500);
  await waitFor("every call delivered to a server", async () => ((await state(base, ID)).ledger.delivered === 500 ? true : undefined), 20_000);
  const hops = messageHops(await everyHop(base, ID));
  const [killed] = await liveActors(base, ID, "server");
  if (!killed) throw new Error("no live server");
  const held = new Set(hops.filter((h) => h.kind === "delivered" && h.to === killed).map((h) => h.message.id));
  expect((await command({ type: "kill-actor", actorId: killed })).status).toBe(200);
  return { killed, held, ids };
}

beforeAll(async () => {
  ({ hopscope, base } = await startHopscope());
  expect((await api(base, "POST", `/api/scenarios/${ID}/start`)).status).toBe(200);
});
afterAll(async () => {
  await hopscope.close();
});

describe("grpc-inventory with real gRPC servers in their own processes", () => {
  test("a burst of 500 calls is spread by round robin over the three servers, each call answered once", async () => {
    await threeServers();
    await command({ type: "reset" });
    await command({ type: "set", delayMs: 5, retries: 3 });
    const ids = await publish(500);
    const ledger = await settled(500);
    expect(ledger).toMatchObject({ published: 500, delivered: 500, completed: 500, redelivered: 0, duplicates: 0, dropped: 0, lost: 0, inFlight: 0 });
    const hops = messageHops(await everyHop(base, ID));
    expect(new Set(hops.filter((h) => h.kind === "reply-received").map((h) => h.message.id))).toEqual(new Set(ids));
    const perServer = new Map<string, number>();
    for (const hop of hops) if (hop.kind === "replied") perServer.set(hop.from, (perServer.get(hop.from) ?? 0) + 1);
    expect(perServer.size).toBe(3);
    // Round robin: each server gets close to a third.
    for (const [server, n] of perServer) expect(n, server).toBeGreaterThan(120);
  });

  test("with retries on, a server SIGKILLed mid-burst loses no call: each it held is retried on another server", async () => {
    await threeServers();
    await command({ type: "set", retries: 3 });
    const { killed, held, ids } = await burstWithKill();
    expect(held.size).toBeGreaterThan(100);
    const ledger = await settled(500);
    expect(ledger).toMatchObject({ published: 500, completed: 500, dropped: 0, lost: 0, inFlight: 0, duplicates: 0 });
    expect(ledger.redelivered).toBeGreaterThanOrEqual(held.size);
    const hops = messageHops(await everyHop(base, ID));
    expect(new Set(hops.filter((h) => h.kind === "reply-received").map((h) => h.message.id))).toEqual(new Set(ids));
    for (const id of held) {
      const replied = hops.filter((h) => h.kind === "replied" && h.message.id === id);
      expect(replied.map((h) => h.from).filter((s) => s === killed), id).toEqual([]);
      // The server that answered saw grpc-previous-rpc-attempts: this was a later attempt.
      expect(replied.map((h) => h.message.attempt).every((a) => a >= 2), id).toBe(true);
    }
    await serving(2);
  });

  test("with retries off, every call the killed server held ends UNAVAILABLE, and only those", async () => {
    await threeServers();
    await command({ type: "set", retries: 0 });
    const { held } = await burstWithKill();
    expect(held.size).toBeGreaterThan(100);
    const ledger = await settled(500);
    expect(ledger).toMatchObject({ published: 500, completed: 500 - held.size, dropped: held.size, dropReasons: { [DROP_UNAVAILABLE]: held.size }, redelivered: 0, lost: 0, inFlight: 0 });
    const dropped = messageHops(await everyHop(base, ID)).filter((h) => h.kind === "dropped");
    expect(new Set(dropped.map((h) => h.message.id))).toEqual(held);
    await command({ type: "set", retries: 3 });
  });

  test("a call past its deadline is dropped DEADLINE_EXCEEDED, and its server sees the deadline pass", async () => {
    await threeServers();
    await command({ type: "reset" });
    await command({ type: "set", delayMs: 800, deadlineMs: 200 });
    const ids = await publish(6);
    const ledger = await settled(6);
    expect(ledger).toMatchObject({ completed: 0, dropped: 6, dropReasons: { [DROP_DEADLINE]: 6 }, lost: 0 });
    await new Promise((r) => setTimeout(r, 1_500));
    const hops = messageHops(await everyHop(base, ID));
    const serverSide = ids.map((id) => hops.filter((h) => h.message.id === id && h.from !== "client-1" && h.to !== "client-1").map((h) => h.kind));
    expect(serverSide).toEqual(ids.map(() => ["delivered", "timeout"]));
    await command({ type: "set", deadlineMs: 5_000 });
  });

  test("a call the client cancels is dropped CANCELLED, and its server sees the cancel", async () => {
    await command({ type: "reset" });
    await command({ type: "set", delayMs: 800, deadlineMs: 5_000, cancelAfterMs: 150 });
    try {
      await publish(6);
      const ledger = await settled(6);
      expect(ledger).toMatchObject({ completed: 0, dropped: 6, dropReasons: { [DROP_CANCELLED]: 6 }, lost: 0 });
      await waitFor("each server to notice", async () => {
        const cancels = messageHops(await everyHop(base, ID)).filter((h) => h.kind === "nacked" && h.reason === "the client cancelled the call");
        return cancels.length === 6 ? true : undefined;
      });
    } finally {
      await command({ type: "set", cancelAfterMs: 0 });
    }
  });

  test.each([
    ["WatchStock", 1 + 4],
    ["ReportSales", 1 + 4],
    ["Reserve", 1 + 2 * 4],
  ] as const)("%s: the call and each message streamed in it complete, each hop from an interceptor", async (method, perCall) => {
    await command({ type: "reset" });
    await command({ type: "set", delayMs: 20, streamLength: 4 });
    const ids = await publish(5, method);
    const ledger = await settled(5 * perCall);
    expect(ledger).toMatchObject({ published: 5 * perCall, completed: 5 * perCall, dropped: 0, lost: 0, inFlight: 0, duplicates: 0 });
    const hops = messageHops(await everyHop(base, ID));
    for (const id of ids) {
      const trace = hops.filter((h: MessageHop) => h.message.traceId === id);
      expect(trace.filter((h) => h.kind === "reply-received" && h.message.id === id)).toHaveLength(1);
      expect(trace.every((h) => h.message.destination === `InventoryService/${method}`)).toBe(true);
    }
  });

  test("a server killed in the middle of its streams leaves nothing in flight", async () => {
    await threeServers();
    await command({ type: "reset" });
    await command({ type: "set", delayMs: 300, streamLength: 10, retries: 3, deadlineMs: 20_000 });
    await publish(9, "WatchStock");
    await waitFor("streams under way", async () => ((await state(base, ID)).ledger.completed >= 9 ? true : undefined));
    const [victim] = await liveActors(base, ID, "server");
    expect((await command({ type: "kill-actor", actorId: victim })).status).toBe(200);
    const ledger = await waitFor("every stream to end", async () => {
      const { ledger: l } = await state(base, ID);
      return l.inFlight === 0 && l.completed + l.dropped === l.published ? l : undefined;
    }, 30_000);
    // A stream that had started answering is committed: grpc-js does not retry it.
    expect(ledger.dropReasons[DROP_UNAVAILABLE] ?? 0).toBeGreaterThan(0);
    expect(ledger.lost).toBe(0);
  });
});
