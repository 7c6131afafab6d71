import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { castOf } from "../../lib/cast";
import { isMessageHop, type Hop, type Ledger, type MessageHop, type ScenarioInfo } from "../../lib/protocol";
import { layoutSequence } from "../../lib/sequence";
import { hopDeltas } from "../../lib/traces";
import type { Hopscope } from "../../server/app";
import { loadConfig } from "../../server/config";
import {
  channelIdOf,
  COMPENSATED_INSUFFICIENT,
  COMPENSATED_PAYMENT_FAILED,
  EVENTS,
  INVENTORY_INSUFFICIENT,
  INVENTORY_RESERVED,
  INVENTORY_SERVICE,
  ORDER_CANCEL,
  ORDER_CREATED,
  ORDER_SERVICE,
  PAYMENT_FAILED,
  PAYMENT_SERVICE,
  PAYMENT_SUCCEEDED,
  READER,
  STATE_OF,
  type SagaEvent,
} from "../../server/scenarios/order-saga/names";
import { api, everyHop, startHopscope, state, testNames, waitFor } from "./harness";

const ID = "order-saga";
let hopscope: Hopscope;
let base: string;
let redis: Redis;
let info: ScenarioInfo;

const command = (body: unknown) => api<{ ok: boolean; result: Record<string, unknown>; error?: { code: string; message: string } }>(base, "POST", `/api/scenarios/${ID}/commands`, body);

beforeAll(async () => {
  redis = new Redis(loadConfig(process.env).urls.redis);
  // Streams, groups and the services' state from earlier runs: the services recreate them.
  await redis.del(...EVENTS.map((event) => testNames.redis(event)), ...Object.values(STATE_OF).map((key) => testNames.redis(key)));
  ({ hopscope, base } = await startHopscope());
  expect((await api(base, "POST", `/api/scenarios/${ID}/start`)).body).toMatchObject({ ok: true });
  const catalogue = (await api<ScenarioInfo[]>(base, "GET", "/api/scenarios")).body;
  const found = catalogue.find((s) => s.id === ID);
  if (!found) throw new Error(`${ID} is not in the catalogue`);
  info = found;
});
afterAll(async () => {
  await api(base, "POST", `/api/scenarios/${ID}/stop`);
  await hopscope.close();
  redis.disconnect();
});

async function placeOrders(count: number): Promise<string[]> {
  const res = await command({ type: "publish", count });
  expect(res.status).toBe(200);
  const ids = res.body.result.messageIds as string[];
  expect(ids).toHaveLength(count);
  return ids;
}

/** What the group reading an event's stream has left: entries not yet read, and read but not acked. */
async function backlog(event: SagaEvent): Promise<{ lag: number; pending: number }> {
  const groups = (await redis.call("XINFO", "GROUPS", testNames.redis(event))) as unknown[][];
  const info = groups.map((flat) => Object.fromEntries(flat.flatMap((value, i) => (i % 2 === 0 ? [[String(value), flat[i + 1]]] : []))) as Record<string, unknown>);
  const mine = info.find((g) => g.name === READER[event]);
  if (!mine) return { lag: Infinity, pending: Infinity };
  return { lag: Number(mine.lag ?? Infinity), pending: Number(mine.pending) };
}

/**
 * Waits until Redis has nothing left to do for any saga (every stream read to its end and
 * acked) and the server has seen every order placed, then lets the last hops arrive. Whatever
 * is not ended then is stuck: the ledger is returned as it stands, for the test to judge.
 */
async function quiet(placed: number): Promise<Ledger> {
  await waitFor("Redis to have no event unread or pending", async () => {
    for (const event of EVENTS) {
      const { lag, pending } = await backlog(event);
      if (lag !== 0 || pending !== 0) return undefined;
    }
    return (await state(base, ID)).ledger.published === placed ? true : undefined;
  }, 90_000, 250);
  const settled = await waitFor("the last hops", async () => {
    const { ledger } = await state(base, ID);
    return ledger.inFlight === 0 ? ledger : undefined;
  }, 5_000, 100).catch(() => undefined);
  return settled ?? (await state(base, ID)).ledger;
}

/** The saga's message hops, per order. */
async function tracesOf(orderIds: readonly string[]): Promise<Map<string, MessageHop[]>> {
  const hops = (await everyHop(base, ID)).filter(isMessageHop);
  const traces = new Map(orderIds.map((id): [string, MessageHop[]] => [id, []]));
  for (const hop of hops) traces.get(hop.message.traceId)?.push(hop);
  for (const trace of traces.values()) trace.sort((a, b) => a.at - b.at || a.seq - b.seq);
  return traces;
}

const has = (trace: readonly MessageHop[], kind: MessageHop["kind"], event: SagaEvent, by?: string) =>
  trace.some((h) => h.kind === kind && h.message.destination === event && (by === undefined || (kind === "published" || kind === "acked" ? h.from : h.to).startsWith(by)));

/** Each order's entries in every stream, as Redis holds them: every event must be there exactly once. */
async function eventsInRedis(orderIds: readonly string[]): Promise<Map<string, Record<SagaEvent, number>>> {
  const wanted = new Set(orderIds);
  const counts = new Map(orderIds.map((id): [string, Record<SagaEvent, number>] => [id, Object.fromEntries(EVENTS.map((e) => [e, 0])) as Record<SagaEvent, number>]));
  for (const event of EVENTS) {
    const entries = (await redis.xrange(testNames.redis(event), "-", "+")) as [string, string[]][];
    for (const [, fields] of entries) {
      const orderId = fields[fields.indexOf("traceId") + 1];
      if (orderId && wanted.has(orderId)) counts.get(orderId)![event]++;
    }
  }
  return counts;
}

async function stateOf(service: keyof typeof STATE_OF, orderIds: readonly string[]): Promise<(string | null)[]> {
  return redis.hmget(testNames.redis(STATE_OF[service]), ...orderIds);
}

/** A burst of sagas placed under `settings`, once Redis has nothing left to do for them. */
async function sagasUnder(settings: Record<string, number>, count: number): Promise<{ orderIds: string[]; ledger: Ledger; traces: Map<string, MessageHop[]> }> {
  expect((await command({ type: "set", minIdleMs: 3_000, ...settings })).status).toBe(200);
  expect((await command({ type: "reset" })).status).toBe(200);
  const orderIds = await placeOrders(count);
  const ledger = await quiet(count);
  return { orderIds, ledger, traces: await tracesOf(orderIds) };
}

/** A member of `role` holding an entry in its group right now, as Redis's pending lists say. */
async function memberHolding(role: typeof INVENTORY_SERVICE | typeof PAYMENT_SERVICE, spare: readonly string[]): Promise<string> {
  const alive = new Set((await state(base, ID)).actors.filter((a) => a.role === role && a.alive).map((a) => a.id));
  for (const event of EVENTS.filter((e) => READER[e] === role)) {
    const summary = (await redis.xpending(testNames.redis(event), role)) as [number, string | null, string | null, [string, string][] | null];
    const holder = (summary[3] ?? []).find(([consumer, count]) => Number(count) > 0 && alive.has(consumer) && !spare.includes(consumer));
    if (holder) return holder[0];
  }
  throw new Error(`no ${role} member holds an entry`);
}

describe("order-saga against the real Redis", () => {
  test("80 sagas, four SIGKILLs mid-saga: every saga ends completed or compensated, none stuck, and the counts agree with the hops and with Redis", async () => {
    const BURST = 80;
    // Claims after 3 s idle: long enough that a member starved of CPU still renews its hold.
    expect((await command({ type: "set", delayMs: 120, insufficientRate: 0.15, paymentFailRate: 0.3, minIdleMs: 3_000 })).status).toBe(200);
    expect((await command({ type: "reset" })).status).toBe(200);
    const startedAt = performance.now();
    const orderIds = await placeOrders(BURST);

    // An inventory member, then a payment member, each killed while it holds an event, twice
    // over, each replaced; the kills follow each other closely, so all four land mid-burst and a
    // group can be left with no member reading for a moment.
    const killed: string[] = [];
    const replacements: Promise<{ status: number }>[] = [];
    for (let round = 0; round < 2; round++) {
      for (const role of [INVENTORY_SERVICE, PAYMENT_SERVICE] as const) {
        const victim = await waitFor(`a ${role} member holding an event`, () => memberHolding(role, killed).catch(() => undefined), 20_000, 20);
        expect((await command({ type: "kill-actor", actorId: victim })).status).toBe(200);
        killed.push(victim);
        replacements.push(command({ type: "add-actor", role }));
      }
    }
    for (const added of await Promise.all(replacements)) expect(added.status).toBe(200);

    const ledger = await quiet(BURST);
    const elapsed = performance.now() - startedAt;
    const traces = await tracesOf(orderIds);
    const outcome = (trace: MessageHop[]) => ({
      paid: has(trace, "acked", PAYMENT_SUCCEEDED, ORDER_SERVICE),
      failed: has(trace, "published", PAYMENT_FAILED, PAYMENT_SERVICE),
      insufficient: has(trace, "published", INVENTORY_INSUFFICIENT, INVENTORY_SERVICE),
    });
    const failed = orderIds.filter((id) => outcome(traces.get(id) ?? []).failed);
    const insufficient = orderIds.filter((id) => outcome(traces.get(id) ?? []).insufficient);
    const paid = orderIds.filter((id) => outcome(traces.get(id) ?? []).paid);

    // The ledger, exactly: every saga placed ended completed or compensated, none is stuck.
    expect(ledger.unit).toBe("saga");
    expect(ledger).toMatchObject({ published: BURST, lost: 0, deadLettered: 0, dropped: 0, inFlight: 0, duplicates: 0 });
    expect(ledger.completed + (ledger.compensated ?? 0)).toBe(BURST);
    // ...and agrees with the hops: completed ones are the paid, compensated ones those that failed a step.
    expect(ledger.completed).toBe(paid.length);
    expect(ledger.compensated).toBe(failed.length + insufficient.length);
    expect(ledger.compensatedReasons).toEqual({
      ...(failed.length ? { [COMPENSATED_PAYMENT_FAILED]: failed.length } : {}),
      ...(insufficient.length ? { [COMPENSATED_INSUFFICIENT]: insufficient.length } : {}),
    });
    // With these rates, 80 sagas take every path.
    expect(failed.length).toBeGreaterThan(0);
    expect(insufficient.length).toBeGreaterThan(0);
    expect(paid.length).toBeGreaterThan(0);

    for (const orderId of orderIds) {
      const trace = traces.get(orderId) ?? [];
      const { paid: isPaid, failed: isFailed, insufficient: isShort } = outcome(trace);
      // One trace per saga, from the order service's first event, with exactly one outcome.
      expect(trace[0], orderId).toMatchObject({ kind: "published", from: `${ORDER_SERVICE}-1`, message: { destination: ORDER_CREATED, traceId: orderId } });
      expect([isPaid, isFailed, isShort].filter(Boolean), orderId).toHaveLength(1);
      // A failed payment is compensated to the end: the order service cancels, inventory releases.
      expect(has(trace, "published", ORDER_CANCEL, ORDER_SERVICE), orderId).toBe(isFailed);
      expect(has(trace, "acked", ORDER_CANCEL, INVENTORY_SERVICE), orderId).toBe(isFailed);
      // Too little stock: the order service rejects it and payment never hears of it.
      expect(has(trace, "acked", INVENTORY_INSUFFICIENT, ORDER_SERVICE), orderId).toBe(isShort);
      expect(trace.some((h) => h.from.startsWith(PAYMENT_SERVICE) || h.to.startsWith(PAYMENT_SERVICE)), orderId).toBe(!isShort);
    }

    // Redis holds each saga's events exactly once: a step redone after a kill added nothing twice.
    const inRedis = await eventsInRedis(orderIds);
    for (const orderId of orderIds) {
      const isFailed = failed.includes(orderId);
      const isShort = insufficient.includes(orderId);
      expect(inRedis.get(orderId), orderId).toEqual({
        [ORDER_CREATED]: 1,
        [INVENTORY_RESERVED]: isShort ? 0 : 1,
        [INVENTORY_INSUFFICIENT]: isShort ? 1 : 0,
        [PAYMENT_SUCCEEDED]: isShort || isFailed ? 0 : 1,
        [PAYMENT_FAILED]: isFailed ? 1 : 0,
        [ORDER_CANCEL]: isFailed ? 1 : 0,
      });
    }
    // Each service's own state says the same.
    const orders = await stateOf(ORDER_SERVICE, orderIds);
    const reservations = await stateOf(INVENTORY_SERVICE, orderIds);
    orderIds.forEach((orderId, i) => {
      const expected = failed.includes(orderId) ? ["cancelled", "released"] : insufficient.includes(orderId) ? ["rejected", "insufficient"] : ["completed", "reserved"];
      expect([orders[i], reservations[i]], orderId).toEqual(expected);
    });

    // The kills landed mid-saga: what the victims held was claimed by a colleague, and counted.
    const all: Hop[] = await everyHop(base, ID);
    const hops = all.filter(isMessageHop);
    const claims = hops.filter((h) => h.kind === "claimed");
    const diedAt = new Map(all.filter((h) => h.kind === "actor-killed").map((h) => [h.from, h.at]));
    expect([...diedAt.keys()].sort()).toEqual([...killed].sort());
    const claimedFrom = new Set<string>();
    for (const claim of claims) {
      expect(claim.message.redelivered).toBe(true);
      expect(claim.at).toBeLessThan(diedAt.get(claim.to) ?? Infinity);
      const holder = hops
        .filter((h) => h.message.id === claim.message.id && (h.kind === "delivered" || h.kind === "claimed") && h.at < claim.at)
        .sort((a, b) => b.at - a.at)[0];
      // Claimed from a member that had died: live ones keep hold of what they work on.
      if (holder) {
        expect(diedAt.get(holder.to), `${claim.message.id} was claimed from ${holder.to}, which was alive`).toBeLessThan(claim.at);
        claimedFrom.add(holder.to.replace(/-\d+$/, ""));
      }
    }
    expect(claimedFrom).toEqual(new Set([INVENTORY_SERVICE, PAYMENT_SERVICE]));
    expect(ledger.redelivered).toBe(claims.length);
    const leg = (name: string) => ledger.legs?.find((l) => l.name === name)?.ledger;
    expect(leg("inventory")?.redelivered).toBeGreaterThan(0);
    expect(leg("payment")?.redelivered).toBeGreaterThan(0);
    for (const name of ["inventory", "payment", "order"]) expect(leg(name), name).toMatchObject({ lost: 0, inFlight: 0 });

    console.log(
      `saga kill test: ${BURST} sagas in ${(elapsed / 1000).toFixed(1)} s; completed ${ledger.completed}, compensated ${ledger.compensated} ` +
        `(${failed.length} payment failed, ${insufficient.length} insufficient), stuck ${ledger.lost + ledger.inFlight}; kills ${killed.length}, claims ${claims.length}, redelivered ${ledger.redelivered}`,
    );
  });

  test("a member stalled past the idle time loses its event to a colleague's claim, and adds nothing when it wakes", async () => {
    expect((await command({ type: "set", delayMs: 1_500, insufficientRate: 0, paymentFailRate: 0, minIdleMs: 1_000 })).status).toBe(200);
    expect((await command({ type: "reset" })).status).toBe(200);
    const [orderId] = await placeOrders(1);
    const created = `${orderId}/${ORDER_CREATED}`;
    const stalled = await waitFor("an inventory member working on the order", () => memberHolding(INVENTORY_SERVICE, []).catch(() => undefined), 10_000, 20);
    const pid = (await state(base, ID)).actors.find((a) => a.id === stalled)?.pid;
    if (!pid) throw new Error(`no pid for ${stalled}`);
    // As a long pause would (a GC, a starved CPU): alive to Redis, silent to its group.
    process.kill(pid, "SIGSTOP");
    let claim: MessageHop | undefined;
    try {
      claim = await waitFor("a colleague's claim", async () => (await everyHop(base, ID)).filter(isMessageHop).find((h) => h.kind === "claimed" && h.message.id === created), 15_000, 100);
    } finally {
      process.kill(pid, "SIGCONT");
    }
    expect(claim.to).not.toBe(stalled);
    const ledger = await quiet(1);
    expect(ledger).toMatchObject({ published: 1, completed: 1, duplicates: 0, lost: 0, inFlight: 0 });
    const trace = (await tracesOf([orderId!])).get(orderId!) ?? [];
    // The step is done once, by the colleague; the member that woke up let it go.
    expect(trace.filter((h) => h.kind === "acked" && h.message.id === created).map((h) => h.from)).toEqual([claim.to]);
    expect(trace.some((h) => h.kind === "published" && h.from === stalled)).toBe(false);
    expect((await eventsInRedis([orderId!])).get(orderId!)).toMatchObject({ [INVENTORY_RESERVED]: 1, [PAYMENT_SUCCEEDED]: 1 });
    expect((await state(base, ID)).actors.find((a) => a.id === stalled)?.alive).toBe(true);
  });

  test("with both failure rates at 0, every saga completes and nothing is compensated", async () => {
    const BURST = 25;
    const { orderIds, ledger, traces } = await sagasUnder({ delayMs: 0, insufficientRate: 0, paymentFailRate: 0 }, BURST);
    expect(ledger).toMatchObject({ published: BURST, completed: BURST, compensated: 0, compensatedReasons: {}, lost: 0, inFlight: 0 });
    const failing: readonly string[] = [PAYMENT_FAILED, INVENTORY_INSUFFICIENT, ORDER_CANCEL];
    for (const orderId of orderIds) {
      const trace = traces.get(orderId) ?? [];
      expect(has(trace, "acked", PAYMENT_SUCCEEDED, ORDER_SERVICE), orderId).toBe(true);
      expect(trace.filter((h) => failing.includes(h.message.destination)), orderId).toEqual([]);
    }
    expect(new Set(await stateOf(ORDER_SERVICE, orderIds))).toEqual(new Set(["completed"]));
    expect(new Set(await stateOf(PAYMENT_SERVICE, orderIds))).toEqual(new Set(["charged"]));
  });

  test("with every payment failing, every saga is compensated: cancelled, and its reservation released; the sequence reads as its timeline", async () => {
    const BURST = 25;
    const { orderIds, ledger, traces } = await sagasUnder({ delayMs: 0, insufficientRate: 0, paymentFailRate: 1 }, BURST);
    expect(ledger).toMatchObject({ published: BURST, completed: 0, compensated: BURST, compensatedReasons: { [COMPENSATED_PAYMENT_FAILED]: BURST }, lost: 0, inFlight: 0 });
    for (const orderId of orderIds) {
      const trace = traces.get(orderId) ?? [];
      expect(has(trace, "published", PAYMENT_FAILED, PAYMENT_SERVICE), orderId).toBe(true);
      expect(has(trace, "published", ORDER_CANCEL, ORDER_SERVICE), orderId).toBe(true);
      expect(has(trace, "acked", ORDER_CANCEL, INVENTORY_SERVICE), orderId).toBe(true);
      expect(has(trace, "published", PAYMENT_SUCCEEDED), orderId).toBe(false);
    }
    expect(new Set(await stateOf(ORDER_SERVICE, orderIds))).toEqual(new Set(["cancelled"]));
    expect(new Set(await stateOf(INVENTORY_SERVICE, orderIds))).toEqual(new Set(["released"]));

    // One saga as the sequence diagram draws it, lanes as the page gives them (a stream once used).
    const trace = traces.get(orderIds[0]!) ?? [];
    const { actors } = await state(base, ID);
    const used = new Set(trace.flatMap((h) => [h.from, h.to]));
    const cast = castOf(info, actors, trace).filter((m) => m.kind === "actor" || used.has(m.id));
    const layout = layoutSequence(cast, trace, hopDeltas(trace));
    const lanes = layout.lanes.map((l) => l.id);
    // Order service, then the streams in the order the saga uses them, then inventory, then payment.
    const path: SagaEvent[] = [ORDER_CREATED, INVENTORY_RESERVED, PAYMENT_FAILED, ORDER_CANCEL];
    const streamLanes = path.map(channelIdOf);
    expect(lanes.filter((id) => id.startsWith("redis:"))).toEqual(streamLanes);
    const place = (id: string) => lanes.indexOf(id);
    const lastOf = (prefix: string) => Math.max(...lanes.filter((id) => id.startsWith(prefix)).map(place));
    const firstOf = (prefix: string) => Math.min(...lanes.filter((id) => id.startsWith(prefix)).map(place));
    expect(place(`${ORDER_SERVICE}-1`)).toBe(0);
    expect(lastOf("redis:")).toBeLessThan(firstOf(INVENTORY_SERVICE));
    expect(lastOf(INVENTORY_SERVICE)).toBeLessThan(firstOf(PAYMENT_SERVICE));
    // Every hop is an arrow between two lanes, top to bottom in time: each event published,
    // then delivered, then acked, one event after the other.
    expect(layout.arrows).toHaveLength(trace.length);
    const row = (kind: MessageHop["kind"], event: SagaEvent) => layout.arrows.find((a) => a.kind === kind && a.messageId === `${orderIds[0]}/${event}`)?.y ?? NaN;
    let previous = -Infinity;
    for (const event of path) {
      expect(row("published", event), event).toBeGreaterThan(previous);
      expect(row("delivered", event), event).toBeGreaterThan(row("published", event));
      expect(row("acked", event), event).toBeGreaterThan(row("delivered", event));
      previous = row("delivered", event);
    }
  });
});
