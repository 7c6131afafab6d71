/**
 * Every comparison drives its sides together on the real brokers, and its table agrees with
 * what each side's hops say, counted here on their own.
 */
import { afterAll, beforeAll, describe, expect, test, type ExpectStatic } from "vitest";
import { comparisonViewAt, parseComparisonRecording } from "../../lib/comparison-recording";
import { COMPARISONS, type ComparisonInfo, type ComparisonView, type SideSummary } from "../../lib/comparisons";
import { isMessageHop, type ActorState, type Hop, type MessageHop, type ScenarioInfo } from "../../lib/protocol";
import type { Hopscope } from "../../server/app";
import { api, everyHop, startHopscope, waitFor } from "./harness";

/** Per side: enough that the slowest side to start still finds a backlog on every other one. */
const BACKLOG: Record<string, number> = { "queue-group-vs-jetstream": 40, "work-queue-four-brokers": 100 };
/** Sent while ride-service is down, and after it is back. */
const WHILE_DOWN = 15;
const AFTER_RETURN = 5;
let hopscope: Hopscope;
let base: string;
let catalogue: ScenarioInfo[];

beforeAll(async () => {
  ({ hopscope, base } = await startHopscope());
  catalogue = (await api<ScenarioInfo[]>(base, "GET", "/api/scenarios")).body;
});
afterAll(async () => {
  for (const { id } of COMPARISONS) await api(base, "POST", `/api/comparisons/${id}/stop`);
  await hopscope.close();
});

const view = async (id: string) => (await api<ComparisonView>(base, "GET", `/api/comparisons/${id}`)).body;
const command = (id: string, body: unknown) => api<{ ok: true; result: Record<string, { ok: boolean; error?: string }> }>(base, "POST", `/api/comparisons/${id}/commands`, body);

async function startFresh(id: string): Promise<void> {
  expect((await api(base, "POST", `/api/comparisons/${id}/start`)).status).toBe(200);
  expect((await command(id, { type: "reset" })).status).toBe(200);
}

async function killOnEverySide(expectFn: ExpectStatic, id: string, sides: number): Promise<void> {
  const killed = await command(id, { type: "kill" });
  expectFn(killed.status).toBe(200);
  expectFn(Object.values(killed.body.result).filter((r) => r.ok)).toHaveLength(sides);
}

/** One side's story, recounted from its hops alone. */
interface Recount {
  victim: string | null;
  killAt: number;
  held: number;
  fates: Record<string, number>;
  redelivered: number;
  duplicates: number;
  lost: number;
  /** Published while the kill role had no live member, and what became of those for the role. */
  whileDown: string[];
  missed: number;
  caughtUp: number;
}

const DELIVERIES = new Set(["delivered", "redelivered", "claimed"]);
const DONE_BY_CONSUMER = new Set(["acked", "processed", "nacked"]);

function recount(hops: Hop[], killRole: string, info: ScenarioInfo, actors: readonly ActorState[]): Recount {
  // Roles from the actors listed now and every actor hop: a reset let go of the first start hops.
  const roleOf = new Map<string, string>(actors.map((a) => [a.id, a.role]));
  for (const hop of hops) if (!isMessageHop(hop)) roleOf.set(hop.actor.id, hop.actor.role);
  const kill = hops.find((h) => h.kind === "actor-killed" && !isMessageHop(h) && h.actor.role === killRole);
  const victim = kill && !isMessageHop(kill) ? kill.actor.id : null;
  const messages = hops.filter(isMessageHop);
  const published = new Set(messages.filter((h) => h.kind === "published").map((h) => h.message.id));
  const ours = messages.filter((h) => published.has(h.message.id));

  // What the victim had been handed and not finished when it died, a record left from an earlier run included.
  const held = new Set<string>();
  for (const hop of messages) {
    if (!kill || hop.seq >= kill.seq) continue;
    if (hop.to === victim && DELIVERIES.has(hop.kind)) held.add(hop.message.id);
    if (hop.from === victim && DONE_BY_CONSUMER.has(hop.kind)) held.delete(hop.message.id);
  }
  // The first thing that happened to each of those afterwards, in the victim's role.
  const fates: Record<string, number> = {};
  for (const id of held) {
    const next = messages.find(
      (h) =>
        h.seq > (kill?.seq ?? 0) &&
        h.message.id === id &&
        (["requeued", "dropped", "dead-lettered"].includes(h.kind) || (DELIVERIES.has(h.kind) && h.to !== victim && roleOf.get(h.to) === killRole) || (DONE_BY_CONSUMER.has(h.kind) && h.from === victim)),
    );
    if (next) fates[next.kind] = (fates[next.kind] ?? 0) + 1;
  }

  // Kafka hands a record to one member per group: read again in the group is a redelivery.
  const perGroup = info.brokers.includes("kafka");
  // Each subscriber of a broadcast works on its own copy.
  const perSubscriber = info.pattern === "pub-sub";
  const deliveredOnce = new Set<string>();
  const seenAt = new Set<string>();
  const doneAt = new Set<string>();
  let redelivered = 0;
  let duplicates = 0;
  for (const hop of ours) {
    const where = `${hop.message.id}|${hop.message.destination}`;
    if (DELIVERIES.has(hop.kind)) {
      const at = perGroup ? where : `${where}|${hop.to}`;
      const flagged = hop.kind !== "delivered" || hop.message.redelivered || hop.message.attempt > 1;
      if (!deliveredOnce.has(hop.message.id)) {
        if (hop.kind !== "delivered") redelivered++;
      } else if (flagged || seenAt.has(at)) redelivered++;
      deliveredOnce.add(hop.message.id);
      seenAt.add(at);
    }
    if (["acked", "processed", "replied"].includes(hop.kind)) {
      const done = `${hop.kind}|${perSubscriber ? `${where}|${hop.from}` : where}`;
      if (doneAt.has(done)) duplicates++;
      doneAt.add(done);
    }
  }
  // A broken at-least-once promise: the broker or the hops gave up on a message it had promised.
  const lost = info.guarantee === "at-least-once" ? new Set(ours.filter((h) => h.kind === "dropped" && !h.forgottenByBroker).map((h) => h.message.id)).size : 0;

  // A member of the kill role that started after the kill, when none was left: the service came back.
  const back = kill ? hops.find((h) => h.seq > kill.seq && h.kind === "actor-started" && !isMessageHop(h) && h.actor.role === killRole) : undefined;
  const whileDown = kill && back ? messages.filter((h) => h.kind === "published" && h.seq > kill.seq && h.seq < back.seq).map((h) => h.message.id) : [];
  const reachedRole = (id: string) => messages.some((h) => h.message.id === id && DELIVERIES.has(h.kind) && roleOf.get(h.to) === killRole && h.seq > (kill?.seq ?? 0));
  const missedAnswer = (id: string) => messages.some((h) => h.message.id === id && h.kind === "confirmed" && (h.missed ?? 0) > 0 && (h.reason ?? "").includes("expected"));
  return {
    victim,
    killAt: kill?.at ?? 0,
    held: held.size,
    fates,
    redelivered,
    duplicates,
    lost,
    whileDown,
    missed: whileDown.filter((id) => missedAnswer(id) && !reachedRole(id)).length,
    caughtUp: whileDown.filter(reachedRole).length,
  };
}

/** The table's row for every side against that side's own recount and ledger; returns the recounts. */
async function checkTable(expectFn: ExpectStatic, info: ComparisonInfo, settled: ComparisonView): Promise<Recount[]> {
  const recounts: Recount[] = [];
  for (const [i, { state, summary }] of settled.sides.entries()) {
    const side = info.sides[i];
    const scenario = catalogue.find((s) => s.id === state.id);
    if (!side || !scenario) throw new Error(`no side ${state.id}`);
    const counted = recount(await everyHop(base, state.id), side.killRole, scenario, state.actors);
    const label = `${info.id} ${state.id}`;
    expectFn(summary.victim, label).toBe(counted.victim);
    expectFn(summary.held, `${label} held`).toBe(counted.held);
    expectFn(summary.fates, `${label} fates`).toEqual(counted.fates);
    expectFn(summary.waiting, `${label} waiting`).toBe(0);
    expectFn({ redelivered: summary.redelivered, duplicates: summary.duplicates, lost: summary.lost }, `${label} counts`).toEqual({ redelivered: counted.redelivered, duplicates: counted.duplicates, lost: counted.lost });
    // The table's figures are the side's ledger's.
    for (const key of ["published", "completed", "redelivered", "duplicates", "dropped", "lost"] as const) expectFn(summary[key], `${label} ${key}`).toBe(state.ledger[key]);
    expectFn(summary.whileDown, `${label} while down`).toBe(counted.whileDown.length);
    expectFn(summary.missed, `${label} missed`).toBe(counted.missed);
    expectFn(summary.caughtUp, `${label} caught up`).toBe(counted.caughtUp);
    recounts.push(counted);
  }
  // One kill control: every side's kill within a few ms of the others.
  const kills = recounts.map((r) => r.killAt);
  expectFn(Math.max(...kills) - Math.min(...kills)).toBeLessThan(250);
  console.log(`${info.id}: ${settled.sides.map(({ summary: s }) => describeRow(s)).join("; ")}`);
  return recounts;
}

function describeRow(s: SideSummary): string {
  const recovered = s.recoveryMs === null ? "" : `, recovered in ${s.recoveryMs.toFixed(1)} ms`;
  const down = s.roleDown ? `, sent while down ${s.whileDown}, missed ${s.missed}, caught up ${s.caughtUp}${s.catchUpMs === null ? "" : ` in ${s.catchUpMs.toFixed(1)} ms`}` : "";
  return `${s.label}: held ${s.held} ${JSON.stringify(s.fates)}${recovered}${down}, redelivered ${s.redelivered}, duplicates ${s.duplicates}, dropped ${s.dropped}, lost ${s.lost}`;
}

/** Publish a backlog to every side, kill the busiest worker on each while they all hold work, and wait for every side to recover. */
async function workQueueRun(expectFn: ExpectStatic, info: ComparisonInfo): Promise<SideSummary[]> {
  await startFresh(info.id);
  const published = BACKLOG[info.id] ?? 100;
  expectFn((await command(info.id, { type: "publish", count: published })).status).toBe(200);
  // Every side's workers hold work: a side slower to start must not find the others done.
  await waitFor("every side to be working through a backlog", async () => ((await view(info.id)).sides.every((s) => s.state.ledger.delivered >= 3 && s.state.ledger.inFlight >= 10) ? true : undefined), 30_000, 100);
  await killOnEverySide(expectFn, info.id, info.sides.length);
  const settled = await waitFor(
    "every side to settle and recover",
    async () => {
      const v = await view(info.id);
      return v.sides.every((s) => s.state.ledger.inFlight === 0 && s.summary.victim !== null && s.summary.waiting === 0) ? v : undefined;
    },
    40_000,
    250,
  );
  await checkTable(expectFn, info, settled);
  for (const { summary } of settled.sides) {
    expectFn(summary.held, `${summary.label} held something`).toBeGreaterThan(0);
    expectFn(summary.recoveryMs, summary.label).not.toBeNull();
    expectFn(summary.published).toBe(published);
    expectFn(summary.roleDown, `${summary.label}: its colleagues stayed up`).toBe(false);
  }
  await api(base, "POST", `/api/comparisons/${info.id}/stop`);
  return settled.sides.map((s) => s.summary);
}

const comparison = (id: string): ComparisonInfo => {
  const found = COMPARISONS.find((c) => c.id === id);
  if (!found) throw new Error(`no comparison ${id}`);
  return found;
};

describe("comparisons", () => {
  test("the catalogue, and clear errors for an unknown comparison or a bad command", async () => {
    const list = (await api<ComparisonInfo[]>(base, "GET", "/api/comparisons")).body;
    expect(list.map((c) => c.id).sort()).toEqual(COMPARISONS.map((c) => c.id).sort());
    expect((await api(base, "GET", "/api/comparisons/nope")).status).toBe(404);
    const bad = await api<{ error: { message: string } }>(base, "POST", `/api/comparisons/queue-group-vs-jetstream/commands`, { type: "publish", count: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("count");
    const noComeback = await api<{ error: { message: string } }>(base, "POST", `/api/comparisons/queue-group-vs-jetstream/commands`, { type: "comeback" });
    expect(noComeback.status).toBe(400);
    expect(noComeback.body.error.message).toContain("no comeback");
    expect((await api(base, "POST", `/api/comparisons/queue-group-vs-jetstream`)).status).toBe(405);
  });

  // The work-queue comparisons share JetStream, so they run one after the other, beside the pub/sub one.
  test.concurrent("work queues: one publish and one kill on every side; each table agrees with each side's hops", async ({ expect }) => {
    const [queueGroup, jetstream] = await workQueueRun(expect, comparison("queue-group-vs-jetstream"));
    // At-most-once: what the worker held is gone. At-least-once: delivered again, nothing lost.
    expect(queueGroup?.fates).toEqual({ dropped: queueGroup?.held });
    expect(queueGroup?.dropped).toBeGreaterThanOrEqual(queueGroup?.held ?? 0);
    expect(jetstream?.fates.dropped).toBeUndefined();
    expect(jetstream?.redelivered).toBeGreaterThan(0);

    const four = await workQueueRun(expect, comparison("work-queue-four-brokers"));
    for (const side of four) {
      expect(side.lost, side.label).toBe(0);
      expect(side.fates.dropped, side.label).toBeUndefined();
    }
    const [rabbitmq, redisStreams, kafka] = four;
    // What the victim held went back to the broker's colleagues, each broker its own way (an ack
    // the victim sent in its last milliseconds settles that one message instead, and is told so).
    expect(rabbitmq?.fates.requeued).toBeGreaterThan(0);
    expect(redisStreams?.fates.claimed).toBeGreaterThan(0);
    // Kafka: another member reads it again after the rebalance. The ledger's redelivered count
    // may stay 0 here: a kill just after a commit leaves nothing processed twice.
    expect(kafka?.fates.redelivered).toBeGreaterThan(0);
  }, 150_000);

  test.concurrent("Redis pub/sub vs Kafka: ride-service killed on both, events sent while it is down, then it comes back", async ({ expect }) => {
    const info = comparison("redis-pubsub-vs-kafka");
    await startFresh(info.id);
    expect((await command(info.id, { type: "comeback" })).body.result["redis-driver-status"]?.error).toBe("ride-service is not down");
    expect((await command(info.id, { type: "publish", count: 20 })).status).toBe(200);
    await waitFor("both services on both sides to have processed the first changes", async () => ((await view(info.id)).sides.every((s) => s.state.ledger.inFlight === 0 && s.state.ledger.delivered === 20) ? true : undefined), 30_000, 100);
    await killOnEverySide(expect, info.id, 2);
    expect((await command(info.id, { type: "publish", count: WHILE_DOWN })).status).toBe(200);
    await waitFor("ride-service to be gone on both sides", async () => ((await view(info.id)).sides.every((s) => !s.state.actors.some((a) => a.alive && a.role === "ride-service")) ? true : undefined));
    const back = await command(info.id, { type: "comeback" });
    expect(Object.values(back.body.result).filter((r) => !r.ok)).toEqual([]);
    expect((await command(info.id, { type: "publish", count: AFTER_RETURN })).status).toBe(200);
    const settled = await waitFor(
      "Kafka's ride-service to catch up",
      async () => {
        const v = await view(info.id);
        return v.sides.every((s) => s.state.ledger.inFlight === 0 && s.summary.backAt !== null && s.summary.missed + s.summary.caughtUp === s.summary.whileDown) && v.sides[1]?.summary.catchUpMs !== null ? v : undefined;
      },
      30_000,
      250,
    );
    const [redis, kafka] = await checkTable(expect, info, settled);
    const [redisRow, kafkaRow] = settled.sides.map((s) => s.summary);
    // Redis kept nothing for the service that was down: every change sent meanwhile is missed, as pub/sub allows.
    expect(redis?.whileDown).toHaveLength(WHILE_DOWN);
    expect(redisRow?.missed).toBe(WHILE_DOWN);
    expect(redisRow?.caughtUp).toBe(0);
    expect(settled.sides[0]?.state.ledger.missed).toBe(WHILE_DOWN);
    expect(redisRow?.lost).toBe(0);
    // Kafka kept them: the returning ride-service read every one from its group's committed offset.
    expect(kafka?.whileDown).toHaveLength(WHILE_DOWN);
    expect(kafkaRow?.caughtUp).toBe(WHILE_DOWN);
    expect(kafkaRow?.missed).toBe(0);
    expect(kafkaRow?.catchUpMs).toBeGreaterThan(0);
    expect(kafkaRow?.lost).toBe(0);
    // Back on Redis, it hears what is sent from then on, and only that.
    const newcomer = settled.sides[0]?.state.actors.find((a) => a.alive && a.role === "ride-service")?.id;
    const redisHops = (await everyHop(base, "redis-driver-status")).filter(isMessageHop);
    const heardByNewcomer = new Set(redisHops.filter((h: MessageHop) => h.kind === "delivered" && h.to === newcomer).map((h) => h.message.id));
    expect(heardByNewcomer.size).toBe(AFTER_RETURN);
    for (const id of redis?.whileDown ?? []) expect(heardByNewcomer.has(id)).toBe(false);

    // Recorded and replayed to its end, every side's row is the live one, computed again from the hops.
    const res = await fetch(`${base}/api/comparisons/${info.id}/recording?since=0`);
    expect(res.headers.get("content-disposition")).toMatch(new RegExp(`attachment; filename="${info.id}-.*\\.ndjson"`));
    const live = await view(info.id);
    const parsed = parseComparisonRecording(await res.text());
    if (!parsed.ok) throw new Error(parsed.error);
    const { recording } = parsed;
    expect(recording.sides.map((side) => side.header.scenario.id)).toEqual(info.sides.map((side) => side.scenarioId));
    const replayed = comparisonViewAt(recording, recording.hops.at(-1)!.at - recording.hops[0]!.at);
    replayed.sides.forEach(({ summary }, i) => expect(summary, summary.scenarioId).toEqual(live.sides[i]?.summary));
    expect((await api(base, "GET", `/api/comparisons/${info.id}/recording?since=x`)).status).toBe(400);
    expect((await api(base, "GET", "/api/comparisons/nope/recording")).status).toBe(404);
    await api(base, "POST", `/api/comparisons/${info.id}/stop`);
  });
});
