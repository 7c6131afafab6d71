import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isMessageHop, type MessageHop } from "../../lib/protocol";
import type { Hop, Ledger } from "../../lib/protocol";
import type { Hopscope } from "../../server/app";
import { SERVICE_CHANNEL_ID } from "../../server/scenarios/grpc-inventory/names";
import { api, everyHop, liveActors, startHopscope, state, waitFor } from "./harness";

const ID = "grpc-inventory";
let hopscope: Hopscope;
let base: string;

const command = (body: unknown) => api<{ ok: boolean; result: Record<string, unknown> }>(base, "POST", `/api/scenarios/${ID}/commands`, body);
const messageHops = (hops: Hop[]) => hops.filter(isMessageHop);
/** The status each call ended with, as its caller got it. */
const callerStatuses = (hops: MessageHop[]) => hops.filter((h) => h.kind === "status" && h.call?.side === "client");
/** The status each attempt ended with on a server's side (its answer, a cancel heard, its death). */
const serverStatuses = (hops: MessageHop[]) => hops.filter((h) => h.kind === "status" && h.call?.side === "server");
const codeOf = (hop: MessageHop) => hop.call?.status?.code;

async function publish(count: number, key?: string): Promise<string[]> {
  const res = await command({ type: "publish", count, ...(key ? { key } : {}) });
  expect(res.status).toBe(200);
  return res.body.result.messageIds as string[];
}

/** Every call has its status: none in flight. */
async function settled(published: number, timeoutMs = 30_000): Promise<Ledger> {
  return waitFor(
    `${published} calls to end`,
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
  await waitFor("every call to reach a server", async () => ((await state(base, ID)).ledger.delivered === 500 ? true : undefined), 20_000);
  const hops = messageHops(await everyHop(base, ID));
  const [killed] = await liveActors(base, ID, "server");
  if (!killed) throw new Error("no live server");
  const held = new Set(hops.filter((h) => h.kind === "call-started" && h.call?.side === "server" && h.to === killed).map((h) => h.message.id));
  // Held means unanswered: with a second of work per call, none has its status yet.
  expect(serverStatuses(hops).filter((h) => h.from === killed)).toEqual([]);
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
    expect(ledger).toMatchObject({ published: 500, delivered: 500, completed: 500, redelivered: 0, dropped: 0, lost: 0, inFlight: 0 });
    expect(ledger.calls).toEqual({ started: 500, ok: 500, retriedThenOk: 0, retries: 0, cancelled: 0, failed: {} });
    const hops = messageHops(await everyHop(base, ID));
    const statuses = callerStatuses(hops);
    expect(new Set(statuses.map((h) => h.message.id))).toEqual(new Set(ids));
    expect(statuses.every((h) => codeOf(h) === "OK")).toBe(true);
    const perServer = new Map<string, number>();
    for (const hop of serverStatuses(hops)) perServer.set(hop.from, (perServer.get(hop.from) ?? 0) + 1);
    expect(perServer.size).toBe(3);
    // Round robin: each server gets close to a third.
    for (const [server, n] of perServer) expect(n, server).toBeGreaterThan(120);
  });

  test("with retries on, a server SIGKILLed mid-burst fails no call: each it held fails UNAVAILABLE there and is retried on another", async () => {
    await threeServers();
    await command({ type: "set", retries: 3 });
    const { killed, held, ids } = await burstWithKill();
    expect(held.size).toBeGreaterThan(100);
    const ledger = await settled(500);
    expect(ledger).toMatchObject({ published: 500, completed: 500, dropped: 0, lost: 0, inFlight: 0, redelivered: 0 });
    // Counted exactly: the calls the dead server held, and no other, needed a second attempt.
    expect(ledger.calls).toEqual({ started: 500, ok: 500, retriedThenOk: held.size, retries: held.size, cancelled: 0, failed: {} });
    const hops = messageHops(await everyHop(base, ID));
    const statuses = callerStatuses(hops);
    expect(new Set(statuses.map((h) => h.message.id))).toEqual(new Set(ids));
    expect(new Set(statuses.filter((h) => h.message.attempt > 1).map((h) => h.message.id))).toEqual(held);
    const dead = serverStatuses(hops).filter((h) => h.from === killed);
    expect(new Set(dead.map((h) => h.message.id))).toEqual(held);
    expect(dead.every((h) => codeOf(h) === "UNAVAILABLE")).toBe(true);
    for (const id of held) {
      const attempts = hops.filter((h) => h.kind === "call-started" && h.call?.side === "server" && h.message.id === id);
      // Numbered from grpc-previous-rpc-attempts: the first on the dead server, the second elsewhere.
      expect(attempts.map((h) => [h.message.attempt, h.to === killed]), id).toEqual([
        [1, true],
        [2, false],
      ]);
    }
    await serving(2);
  });

  test("a server added back is picked up by the balancer", async () => {
    const before = new Set(await liveActors(base, ID, "server"));
    expect((await command({ type: "add-actor", role: "server" })).status).toBe(200);
    await serving(before.size + 1);
    const added = (await liveActors(base, ID, "server")).find((id) => !before.has(id));
    // Within its reconnect backoff (at most 1 s) the client dials the new server.
    await new Promise((r) => setTimeout(r, 1_200));
    await command({ type: "reset" });
    await command({ type: "set", delayMs: 5 });
    await publish(60);
    await settled(60);
    const answeredBy = new Set(serverStatuses(messageHops(await everyHop(base, ID))).map((h) => h.from));
    expect(answeredBy.has(added ?? "")).toBe(true);
  });

  test("with retries off, every call the killed server held ends UNAVAILABLE, and only those", async () => {
    await threeServers();
    await command({ type: "set", retries: 0 });
    const { held } = await burstWithKill();
    expect(held.size).toBeGreaterThan(100);
    const ledger = await settled(500);
    expect(ledger).toMatchObject({ published: 500, completed: 500 - held.size, dropped: held.size, dropReasons: { UNAVAILABLE: held.size }, redelivered: 0, lost: 0, inFlight: 0 });
    expect(ledger.calls).toEqual({ started: 500, ok: 500 - held.size, retriedThenOk: 0, retries: 0, cancelled: 0, failed: { UNAVAILABLE: held.size } });
    const failed = callerStatuses(messageHops(await everyHop(base, ID))).filter((h) => codeOf(h) !== "OK");
    expect(new Set(failed.map((h) => h.message.id))).toEqual(held);
    expect(failed.every((h) => codeOf(h) === "UNAVAILABLE")).toBe(true);
    await command({ type: "set", retries: 3 });
  });

  test("a call past its deadline ends DEADLINE_EXCEEDED, and its server hears the deadline pass", async () => {
    await threeServers();
    await command({ type: "reset" });
    await command({ type: "set", delayMs: 800, deadlineMs: 200 });
    const ids = await publish(6);
    const ledger = await settled(6);
    expect(ledger).toMatchObject({ completed: 0, dropped: 6, dropReasons: { DEADLINE_EXCEEDED: 6 }, lost: 0 });
    expect(ledger.calls?.failed).toEqual({ DEADLINE_EXCEEDED: 6 });
    await new Promise((r) => setTimeout(r, 1_500));
    const hops = messageHops(await everyHop(base, ID));
    const serverSide = ids.map((id) => hops.filter((h) => h.message.id === id && h.call?.side === "server").map((h) => (h.kind === "status" ? `status ${codeOf(h)}` : h.kind)));
    expect(serverSide).toEqual(ids.map(() => ["call-started", "request-message", "status DEADLINE_EXCEEDED"]));
    await command({ type: "set", deadlineMs: 5_000 });
  });

  test("a call the client cancels is counted cancelled, and its server hears the cancel", async () => {
    await command({ type: "reset" });
    await command({ type: "set", delayMs: 800, deadlineMs: 5_000, cancelAfterMs: 150 });
    try {
      await publish(6);
      const ledger = await settled(6);
      expect(ledger).toMatchObject({ completed: 0, dropped: 6, dropReasons: { CANCELLED: 6 }, lost: 0 });
      expect(ledger.calls).toMatchObject({ cancelled: 6, failed: {} });
      await waitFor("each server to notice", async () => {
        const heard = serverStatuses(messageHops(await everyHop(base, ID))).filter((h) => codeOf(h) === "CANCELLED");
        return heard.length === 6 ? true : undefined;
      });
    } finally {
      await command({ type: "set", cancelAfterMs: 0 });
    }
  });

  test("the cancel control cancels every call in flight, and only those", async () => {
    await threeServers();
    await command({ type: "reset" });
    await command({ type: "set", delayMs: 2_000, deadlineMs: 20_000 });
    try {
      await publish(12);
      await waitFor("every call to reach a server", async () => ((await state(base, ID)).ledger.delivered === 12 ? true : undefined));
      const res = await command({ type: "cancel" });
      expect(res.status).toBe(200);
      expect(res.body.result).toEqual({ cancelled: 12 });
      const ledger = await settled(12);
      expect(ledger.calls).toEqual({ started: 12, ok: 0, retriedThenOk: 0, retries: 0, cancelled: 12, failed: {} });
      await waitFor("each server to hear the cancel", async () => {
        const heard = serverStatuses(messageHops(await everyHop(base, ID))).filter((h) => codeOf(h) === "CANCELLED");
        return heard.length === 12 ? true : undefined;
      });
      // Nothing left to cancel: the control says so rather than failing.
      expect((await command({ type: "cancel" })).body.result).toEqual({ cancelled: 0 });
    } finally {
      await command({ type: "set", delayMs: 50, deadlineMs: 5_000 });
    }
  });

  test.each([
    ["WatchStock", 1, 4],
    ["ReserveItems", 4, 1],
    ["TrackOrder", 4, 4],
  ] as const)("%s: one exchange per call, its messages in order each way, the status last", async (method, requests, responses) => {
    await command({ type: "reset" });
    await command({ type: "set", delayMs: 20, streamLength: 4 });
    const ids = await publish(5, method);
    const ledger = await settled(5);
    expect(ledger).toMatchObject({ published: 5, completed: 5, dropped: 0, lost: 0, inFlight: 0 });
    const hops = messageHops(await everyHop(base, ID));
    const numbered = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    for (const id of ids) {
      const call = hops.filter((h: MessageHop) => h.message.traceId === id);
      expect(call.every((h) => h.message.destination === `InventoryService/${method}` && h.message.id === id)).toBe(true);
      for (const side of ["client", "server"] as const) {
        const own = call.filter((h) => h.call?.side === side);
        expect(own[0]?.kind, `${id} ${side}`).toBe("call-started");
        expect(own.at(-1)?.kind, `${id} ${side}`).toBe("status");
        expect(own.filter((h) => h.kind === "status")).toHaveLength(1);
        expect(own.filter((h) => h.kind === "request-message").map((h) => h.call?.index)).toEqual(numbered(requests));
        expect(own.filter((h) => h.kind === "response-message").map((h) => h.call?.index)).toEqual(numbered(responses));
      }
      // The caller's status is the exchange's last arrow.
      expect(call.at(-1)).toMatchObject({ kind: "status", call: { side: "client", status: { code: "OK" } } });
      if (method === "WatchStock") {
        const updates = call.filter((h) => h.kind === "response-message" && h.call?.side === "client").map((h) => (JSON.parse(h.message.preview) as { update: number }).update);
        expect(updates).toEqual(numbered(4));
      }
    }
  });

  test("a server killed in the middle of its streams leaves no call without a status", async () => {
    await threeServers();
    await command({ type: "reset" });
    await command({ type: "set", delayMs: 300, streamLength: 10, retries: 3, deadlineMs: 20_000 });
    await publish(9, "WatchStock");
    // A server whose streams have begun answering: those are committed, and die with it.
    const victim = await waitFor("a server streaming to the client", async () => {
      const hops = messageHops(await everyHop(base, ID));
      const answering = new Set(hops.filter((h) => h.kind === "response-message" && h.call?.side === "server").map((h) => h.from));
      return (await liveActors(base, ID, "server")).find((server) => answering.has(server));
    });
    expect((await command({ type: "kill-actor", actorId: victim })).status).toBe(200);
    const ledger = await settled(9);
    // A stream that had started answering is committed: grpc-js does not retry it.
    expect(ledger.calls?.failed.UNAVAILABLE ?? 0).toBeGreaterThan(0);
    expect(ledger.completed + ledger.dropped).toBe(9);
  });
});
