import { connect } from "amqplib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isMessageHop, type Hop, type MessageHop } from "../../lib/protocol";
import type { Hopscope } from "../../server/app";
import { loadConfig } from "../../server/config";
import { DEAD_LETTER_EXPIRED, DEAD_LETTER_QUEUE, declareJobQueues, JOB_QUEUE, RETRY_DELAY_MS, RETRY_QUEUE } from "../../server/scenarios/rabbitmq-work-queue/names";
import { api, startHopscope, state, testNames, waitFor } from "./harness";

const ID = "rabbitmq-work-queue";
const AMQP_URL = loadConfig(process.env).urls.rabbitmq;
let hopscope: Hopscope;
let base: string;

const command = (body: unknown) => api<{ ok: boolean; result: Record<string, unknown> }>(base, "POST", `/api/scenarios/${ID}/commands`, body);

/** The broker's own view of a queue, over a connection of the test's own. */
async function brokerQueue(queue = JOB_QUEUE, purge = false): Promise<{ messageCount: number; consumerCount: number }> {
  const connection = await connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    await declareJobQueues(channel, testNames);
    if (purge) for (const q of [JOB_QUEUE, RETRY_QUEUE, DEAD_LETTER_QUEUE]) await channel.purgeQueue(testNames.name(q));
    return await channel.checkQueue(testNames.name(queue));
  } finally {
    await connection.close();
  }
}

/** Jobs each worker holds unacked, by the hops. */
function heldBy(hops: readonly Hop[]): Map<string, number> {
  const held = new Map<string, number>();
  for (const hop of hops) {
    if (!isMessageHop(hop)) continue;
    if (hop.kind === "delivered" || hop.kind === "redelivered") held.set(hop.to, (held.get(hop.to) ?? 0) + 1);
    if (hop.kind === "acked" || hop.kind === "nacked" || hop.kind === "dead-lettered") held.set(hop.from, (held.get(hop.from) ?? 0) - 1);
  }
  return held;
}

function byMessage(hops: readonly Hop[]): Map<string, MessageHop[]> {
  const map = new Map<string, MessageHop[]>();
  for (const hop of hops) if (isMessageHop(hop)) map.set(hop.message.id, [...(map.get(hop.message.id) ?? []), hop]);
  return map;
}

async function everyHop(): Promise<Hop[]> {
  const hops: Hop[] = [];
  for (let since = 0; ; ) {
    const page = await api<{ hops: Hop[]; lastSeq: number }>(base, "GET", `/api/scenarios/${ID}/hops?since=${since}`);
    hops.push(...page.body.hops);
    if (page.body.hops.length === 0) return hops;
    since = page.body.lastSeq;
  }
}

beforeAll(async () => {
  await brokerQueue(JOB_QUEUE, true);
  ({ hopscope, base } = await startHopscope());
});
afterAll(async () => {
  await hopscope.close();
});

describe("rabbitmq-work-queue against the real RabbitMQ", () => {
  test("1,000 jobs, 3 workers, prefetch 10, 5 SIGKILLs: nothing lost, every redelivery flagged", async () => {
    expect((await api(base, "POST", `/api/scenarios/${ID}/start`)).status).toBe(200);
    expect((await command({ type: "set", delayMs: 20, prefetch: 10 })).status).toBe(200);
    expect((await command({ type: "add-actor", role: "worker" })).status).toBe(200);
    await command({ type: "reset" });

    const published = await command({ type: "publish", count: 1000 });
    const ids = published.body.result.messageIds as string[];
    expect(ids).toHaveLength(1000);

    const killed: string[] = [];
    for (let kill = 0; kill < 5; kill++) {
      // Kill a worker that, by the hops, holds unacked jobs; then replace it.
      const victim = await waitFor("a busy worker", async () => {
        const s = await state(base, ID);
        if (s.ledger.completed >= 1000) throw new Error("the run finished before all kills happened; slow the workers down");
        const holding = heldBy(await everyHop());
        return s.actors.find((a) => a.role === "worker" && a.alive && !killed.includes(a.id) && (holding.get(a.id) ?? 0) > 0);
      });
      expect((await command({ type: "kill-actor", actorId: victim.id })).status).toBe(200);
      killed.push(victim.id);
      expect((await command({ type: "add-actor", role: "worker" })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 150));
    }

    const settled = await waitFor("every job to complete", async () => {
      const s = await state(base, ID);
      return s.ledger.completed === 1000 && s.ledger.inFlight === 0 ? s : undefined;
    }, 60_000, 100);
    const { ledger } = settled;
    expect(ledger.published).toBe(1000);
    expect(ledger.lost).toBe(0);
    expect(ledger.redelivered).toBeGreaterThan(0);

    const hops = await everyHop();
    expect(hops.filter((h) => h.kind === "actor-killed").map((h) => h.from).sort()).toEqual([...killed].sort());
    const byJob = byMessage(hops);
    let duplicates = 0;
    for (const id of ids) {
      const trace = byJob.get(id) ?? [];
      expect(trace.some((h) => h.kind === "confirmed"), `${id} confirmed`).toBe(true);
      const deliveries = trace.filter((h) => h.kind === "delivered" || h.kind === "redelivered").sort((a, b) => a.seq - b.seq);
      expect(deliveries.length, `${id} delivered`).toBeGreaterThan(0);
      // Only a first delivery may come without the broker's redelivered flag.
      for (const later of deliveries.slice(1)) expect(later.message.redelivered, `${id} redelivery flagged`).toBe(true);
      const acks = trace.filter((h) => h.kind === "acked").length;
      expect(acks, `${id} acked`).toBeGreaterThan(0);
      duplicates += acks - 1;
    }
    expect(ledger.duplicates).toBe(duplicates);
    // The jobs each killed worker held are reported as requeued, and each really came back:
    // the broker redelivered it, flagged, to a different worker.
    const requeued = hops.filter((h): h is MessageHop => isMessageHop(h) && h.kind === "requeued");
    expect(requeued.length).toBeGreaterThan(0);
    for (const hop of requeued) {
      const again = (byJob.get(hop.message.id) ?? []).find((h) => h.kind === "redelivered" && h.at > hop.at - 5 && h.to !== hop.from);
      expect(again, `${hop.message.id} requeued by ${hop.from} came back`).toBeDefined();
    }

    // The broker agrees: nothing left in the queue.
    await waitFor("an empty queue", async () => ((await brokerQueue()).messageCount === 0 ? true : undefined));
    // The dashboard's queue gauge is read from the broker too (about once a second).
    const gauges = await waitFor("the queue gauge to read empty", async () => {
      const queue = (await state(base, ID)).gauges[`rabbitmq:${JOB_QUEUE}`];
      return queue?.ready === 0 ? queue : undefined;
    });
    expect(gauges.consumers).toBeGreaterThan(0);
    console.log(`work queue kill test: jobs 1000, kills ${killed.length}, redelivered ${ledger.redelivered}, duplicates ${ledger.duplicates}, requeued ${hops.filter((h) => h.kind === "requeued").length}, lost ${ledger.lost}`);
  });

  test("poison jobs are retried through the retry queue and parked after exactly N attempts", async () => {
    expect((await api(base, "POST", `/api/scenarios/${ID}/start`)).status).toBe(200);
    await brokerQueue(JOB_QUEUE, true);
    await command({ type: "reset" });
    expect((await command({ type: "set", delayMs: 0, failRate: 1, maxAttempts: 3 })).status).toBe(200);
    const ids = (await command({ type: "publish", count: 3 })).body.result.messageIds as string[];

    const settled = await waitFor("every job to be parked", async () => {
      const s = await state(base, ID);
      return s.ledger.deadLettered === 3 && s.ledger.inFlight === 0 ? s : undefined;
    }, 30_000, 100);
    expect(settled.ledger).toMatchObject({ published: 3, completed: 0, deadLettered: 3, lost: 0 });

    const jobs = byMessage(await everyHop());
    const delays: number[] = [];
    for (const id of ids) {
      const trace = (jobs.get(id) ?? []).sort((a, b) => a.at - b.at);
      const deliveries = trace.filter((h) => h.kind === "delivered" || h.kind === "redelivered");
      expect(deliveries.map((h) => h.message.attempt), `${id} attempts`).toEqual([1, 2, 3]);
      const nacks = trace.filter((h) => h.kind === "nacked");
      expect(nacks).toHaveLength(2);
      const parked = trace.filter((h) => h.kind === "dead-lettered");
      expect(parked).toHaveLength(1);
      expect(parked[0]!.reason).toBe("failed all 3 attempts");
      // Each retry waited out the retry queue's TTL before coming back.
      for (let i = 0; i < nacks.length; i++) delays.push(deliveries[i + 1]!.at - nacks[i]!.at);
    }
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(RETRY_DELAY_MS * 0.95);
    expect((await brokerQueue(DEAD_LETTER_QUEUE)).messageCount).toBe(3);
    console.log(`poison jobs: 3 parked after 3 attempts; retry delays ${delays.map((d) => d.toFixed(0)).join(", ")} ms (TTL ${RETRY_DELAY_MS} ms)`);
    await command({ type: "set", failRate: 0 });
  });

  test("higher priority jobs are delivered first, and a job past its TTL is parked, not lost", async () => {
    expect((await api(base, "POST", `/api/scenarios/${ID}/start`)).status).toBe(200);
    await brokerQueue(JOB_QUEUE, true);
    await command({ type: "reset" });
    await command({ type: "set", delayMs: 0, failRate: 0, prefetch: 1 });
    // With no worker listening the jobs wait in the queue, where priority and TTL apply.
    for (const worker of (await state(base, ID)).actors.filter((a) => a.role === "worker" && a.alive)) {
      await command({ type: "kill-actor", actorId: worker.id });
    }
    await waitFor("no consumers", async () => ((await brokerQueue()).consumerCount === 0 ? true : undefined));
    const low = (await command({ type: "publish", count: 3, priority: 0 })).body.result.messageIds as string[];
    const high = (await command({ type: "publish", count: 3, priority: 9 })).body.result.messageIds as string[];
    const [expiring] = (await command({ type: "publish", count: 1, ttlMs: 200 })).body.result.messageIds as string[];
    await waitFor("all confirmed", async () => ((await state(base, ID)).ledger.published === 7 ? true : undefined));
    await new Promise((r) => setTimeout(r, 400));

    expect((await command({ type: "add-actor", role: "worker" })).status).toBe(200);
    const settled = await waitFor("every job settled", async () => {
      const s = await state(base, ID);
      return s.ledger.inFlight === 0 ? s : undefined;
    }, 20_000, 100);
    expect(settled.ledger).toMatchObject({ published: 7, completed: 6, deadLettered: 1, lost: 0 });

    const hops = await everyHop();
    const order = hops.filter((h): h is MessageHop => isMessageHop(h) && (h.kind === "delivered" || h.kind === "redelivered")).map((h) => h.message.id);
    expect(order.slice(0, 3).sort()).toEqual([...high].sort());
    expect(order.slice(3).sort()).toEqual([...low].sort());
    // The expired job never reached a worker: the broker parked it, and the tap reported it.
    expect(order).not.toContain(expiring);
    const parked = hops.find((h): h is MessageHop => isMessageHop(h) && h.kind === "dead-lettered");
    expect(parked?.message.id).toBe(expiring);
    expect(parked?.reason).toBe(DEAD_LETTER_EXPIRED);
    expect((await brokerQueue(DEAD_LETTER_QUEUE)).messageCount).toBe(1);
  });

  test("a new prefetch applies to workers already running", async () => {
    expect((await api(base, "POST", `/api/scenarios/${ID}/start`)).status).toBe(200);
    await brokerQueue(JOB_QUEUE, true);
    await command({ type: "set", delayMs: 60, failRate: 0, prefetch: 10 });
    const workers = (await state(base, ID)).actors.filter((a) => a.role === "worker" && a.alive);
    if (workers.length < 2) await command({ type: "add-actor", role: "worker" });
    await command({ type: "reset" });
    expect((await command({ type: "set", prefetch: 2 })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    await command({ type: "publish", count: 20 });
    await waitFor("every job", async () => ((await state(base, ID)).ledger.completed === 20 ? true : undefined), 20_000);

    // Replay the hops in time order: no worker ever held more than the new window.
    const hops = (await everyHop()).filter(isMessageHop).sort((a, b) => a.at - b.at);
    const holding = new Map<string, number>();
    let most = 0;
    for (const hop of hops) {
      if (hop.kind === "delivered" || hop.kind === "redelivered") holding.set(hop.to, (holding.get(hop.to) ?? 0) + 1);
      if (hop.kind === "acked") holding.set(hop.from, (holding.get(hop.from) ?? 0) - 1);
      most = Math.max(most, ...holding.values());
    }
    expect(most).toBeLessThanOrEqual(2);
    expect(most).toBeGreaterThan(0);
    await command({ type: "set", prefetch: 10 });
  });
});
