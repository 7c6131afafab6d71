import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isMessageHop, type MessageHop } from "../../lib/protocol";
import type { Hopscope } from "../../server/app";
import { DROP_DECLINED, DROP_NO_PAYMENT, DROP_TIMED_OUT, JOB_QUEUES, ORDER_CHANNEL, PAYMENT_SUBJECT } from "../../server/scenarios/order-placement/names";
import { api, everyHop, startHopscope, state, waitFor } from "./harness";
import { killWhileHolding, legOf, queueDepths, storyCommands } from "./story-harness";

const ID = "order-placement";
const ORDERS = 200;
let hopscope: Hopscope;
let base: string;

const command = (body: unknown) => storyCommands(base, ID)(body);

beforeAll(async () => {
  ({ hopscope, base } = await startHopscope());
});
afterAll(async () => {
  await api(base, "POST", `/api/scenarios/${ID}/stop`);
  await hopscope.close();
});

async function publish(count: number): Promise<string[]> {
  const res = await command({ type: "publish", count });
  expect(res.status).toBe(200);
  return res.body.result.messageIds as string[];
}

describe("order-placement across the real NATS, RabbitMQ and Redis", () => {
  test(`${ORDERS} orders with a SIGKILL in each leg: every order ends, the jobs lose nothing, the counts add up`, async () => {
    expect((await api(base, "POST", `/api/scenarios/${ID}/start`)).body).toMatchObject({ ok: true });
    expect((await command({ type: "reset" })).status).toBe(200);
    expect((await command({ type: "set", paymentDelayMs: 20, timeoutMs: 2_000, retries: 2, declineRate: 0.1, jobDelayMs: 40 })).status).toBe(200);
    expect((await command({ type: "add-actor", role: "payment" })).status).toBe(200);

    const orderIds = await publish(ORDERS / 2);
    const [payment, inventory] = await killWhileHolding(base, ID, ["payment", "inventory-worker"], 2);
    const subscriber = (await state(base, ID)).actors.find((a) => a.role === "subscriber" && a.alive)?.id;
    expect(subscriber).toBeDefined();
    expect((await command({ type: "kill-actor", actorId: subscriber })).status).toBe(200);
    orderIds.push(...(await publish(ORDERS / 2)));

    const settled = await waitFor("every order to end", async () => {
      const s = await state(base, ID);
      return s.ledger.published === ORDERS && s.ledger.inFlight === 0 ? s : undefined;
    }, 90_000, 200);
    const { ledger } = settled;
    for (const victim of [payment, inventory, subscriber]) expect(settled.actors.find((a) => a.id === victim)?.alive).toBe(false);

    // Per order: completed, declined or timed out after its retries; nothing lost.
    expect(ledger.unit).toBe("order");
    expect(ledger.lost).toBe(0);
    expect(ledger.completed + ledger.dropped).toBe(ORDERS);
    for (const reason of Object.keys(ledger.dropReasons)) expect([DROP_DECLINED, DROP_TIMED_OUT, DROP_NO_PAYMENT]).toContain(reason);
    expect(ledger.dropReasons[DROP_DECLINED] ?? 0, JSON.stringify(ledger)).toBeGreaterThan(0);

    const hops = (await everyHop(base, ID)).filter(isMessageHop);
    const byOrder = new Map<string, MessageHop[]>();
    for (const hop of hops) byOrder.set(hop.message.traceId, [...(byOrder.get(hop.message.traceId) ?? []), hop]);
    let completed = 0;
    for (const orderId of orderIds) {
      const trace = byOrder.get(orderId) ?? [];
      const acked = new Set(trace.filter((h) => h.kind === "acked").map((h) => h.message.destination));
      const ended = trace.find((h) => h.kind === "dropped" && h.message.destination === PAYMENT_SUBJECT);
      if (ended) {
        // An order that ends at payment goes no further.
        expect(trace.filter((h) => h.message.destination !== PAYMENT_SUBJECT)).toEqual([]);
      } else {
        expect([...acked].sort()).toEqual([...JOB_QUEUES].sort());
        completed++;
      }
    }
    expect(completed).toBe(ledger.completed);

    // The payment leg, at-most-once: each request answered or given up on after its retries.
    const pay = legOf(ledger, "payment");
    expect(pay.published).toBe(ORDERS);
    expect(pay.completed + pay.dropped).toBe(ORDERS);
    expect(hops.some((h) => h.kind === "retry")).toBe(true);

    // The jobs leg, at-least-once: three per paid order, all acked, the killed worker's redelivered.
    const jobs = legOf(ledger, "jobs");
    expect(jobs.published).toBe(3 * completed);
    expect(jobs.completed).toBe(jobs.published);
    expect(jobs.lost).toBe(0);
    expect(jobs.inFlight).toBe(0);
    expect(jobs.redelivered).toBeGreaterThan(0);
    expect(hops.some((h) => h.kind === "requeued" && h.from === inventory)).toBe(true);

    // The broadcast leg, at-most-once: one per paid order, settled on Redis's answer; the killed
    // subscriber's misses are expected losses, not lost orders.
    const broadcast = legOf(ledger, "broadcast");
    expect(broadcast.published).toBe(completed);
    expect(broadcast.completed + broadcast.dropped).toBe(broadcast.published);
    expect(hops.some((h) => h.kind === "confirmed" && h.message.destination === ORDER_CHANNEL && h.reason?.startsWith("missed by 1 subscriber"))).toBe(true);
    expect(hops.some((h) => h.kind === "confirmed" && h.message.destination !== ORDER_CHANNEL && h.reason?.startsWith("missed"))).toBe(false);

    console.log(
      `orders ${ledger.published}: completed ${ledger.completed}, dropped ${JSON.stringify(ledger.dropReasons)}; ` +
        `payment published ${pay.published} retried ${hops.filter((h) => h.kind === "retry").length} duplicates ${pay.duplicates}; ` +
        `jobs ${jobs.published} redelivered ${jobs.redelivered} lost ${jobs.lost}; broadcast ${broadcast.published} dropped ${broadcast.dropped}`,
    );

    // The broker's own word: nothing left in the job queues.
    expect(await queueDepths(JOB_QUEUES)).toEqual(JOB_QUEUES.map(() => 0));
  });

  test("a declined order queues no jobs and broadcasts nothing", async () => {
    expect((await api(base, "POST", `/api/scenarios/${ID}/start`)).body).toMatchObject({ ok: true });
    expect((await command({ type: "reset" })).status).toBe(200);
    expect((await command({ type: "set", declineRate: 1, paymentDelayMs: 0 })).status).toBe(200);
    const [orderId] = await publish(1);
    const settled = await waitFor("the order to end", async () => {
      const s = await state(base, ID);
      return s.ledger.published === 1 && s.ledger.inFlight === 0 ? s : undefined;
    });
    expect(settled.ledger.dropReasons).toEqual({ [DROP_DECLINED]: 1 });
    const trace = (await everyHop(base, ID)).filter(isMessageHop).filter((h) => h.message.traceId === orderId);
    expect(trace.every((h) => h.message.destination === PAYMENT_SUBJECT)).toBe(true);
    expect(legOf(settled.ledger, "jobs").published).toBe(0);
    expect((await command({ type: "set", declineRate: 0.1 })).status).toBe(200);
  });
});
