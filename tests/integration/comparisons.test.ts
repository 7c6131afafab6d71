/**
 * A comparison drives its sides together on the real brokers, and its table agrees with what
 * each side's hops say, counted here on their own.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { comparisonViewAt, parseComparisonRecording } from "../../lib/comparison-recording";
import type { ComparisonInfo, ComparisonView } from "../../lib/comparisons";
import { isMessageHop, type Hop } from "../../lib/protocol";
import type { Hopscope } from "../../server/app";
import { api, everyHop, startHopscope, waitFor } from "./harness";

const ID = "queue-group-vs-jetstream";
const PUBLISHED = 100;
let hopscope: Hopscope;
let base: string;

beforeAll(async () => {
  ({ hopscope, base } = await startHopscope());
});
afterAll(async () => {
  await api(base, "POST", `/api/comparisons/${ID}/stop`);
  await hopscope.close();
});

const view = async () => (await api<ComparisonView>(base, "GET", `/api/comparisons/${ID}`)).body;

/** What the victim had been handed and not finished when it died, counted from the hops. */
function heldAtKill(hops: Hop[], victim: string, killSeq: number): Set<string> {
  const held = new Set<string>();
  for (const hop of hops) {
    if (hop.seq >= killSeq || !isMessageHop(hop)) continue;
    if (hop.to === victim && (hop.kind === "delivered" || hop.kind === "redelivered")) held.add(hop.message.id);
    if (hop.from === victim && (hop.kind === "acked" || hop.kind === "processed" || hop.kind === "nacked")) held.delete(hop.message.id);
  }
  return held;
}

describe("comparisons", () => {
  test("the catalogue, and clear errors for an unknown comparison or a bad command", async () => {
    const list = (await api<ComparisonInfo[]>(base, "GET", "/api/comparisons")).body;
    expect(list.map((c) => c.id)).toContain(ID);
    expect((await api(base, "GET", "/api/comparisons/nope")).status).toBe(404);
    const bad = await api<{ error: { message: string } }>(base, "POST", `/api/comparisons/${ID}/commands`, { type: "publish", count: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("count");
    expect((await api(base, "POST", `/api/comparisons/${ID}`)).status).toBe(405);
  });

  test("one publish and one kill act on both sides; the table agrees with each side's hops", async () => {
    expect((await api(base, "POST", `/api/comparisons/${ID}/start`)).status).toBe(200);
    expect((await api(base, "POST", `/api/comparisons/${ID}/commands`, { type: "reset" })).status).toBe(200);
    expect((await api(base, "POST", `/api/comparisons/${ID}/commands`, { type: "publish", count: PUBLISHED })).status).toBe(200);
    // Both sides' workers hold work (250 ms a message): a side slower to start must not find the other done.
    await waitFor("every side to be working through a backlog", async () => ((await view()).sides.every((s) => s.state.ledger.delivered >= 20 && s.state.ledger.inFlight >= 20) ? true : undefined));
    const killed = await api<{ ok: true; result: Record<string, { ok: boolean }> }>(base, "POST", `/api/comparisons/${ID}/commands`, { type: "kill" });
    expect(killed.status).toBe(200);
    expect(Object.keys(killed.body.result).sort()).toEqual(["nats-jetstream", "nats-queue-group"]);
    expect(Object.values(killed.body.result).every((r) => r.ok)).toBe(true);

    const settled = await waitFor("both sides to settle and recover", async () => {
      const v = await view();
      return v.sides.every((s) => s.state.ledger.inFlight === 0 && s.summary.victim !== null && s.summary.waiting === 0) ? v : undefined;
    }, 60_000, 250);

    const kills: number[] = [];
    for (const { state, summary } of settled.sides) {
      const hops = await everyHop(base, state.id);
      const kill = hops.find((h) => h.kind === "actor-killed");
      expect(kill && !isMessageHop(kill) ? kill.actor.id : null).toBe(summary.victim);
      kills.push(kill?.at ?? 0);
      const held = heldAtKill(hops, summary.victim ?? "", kill?.seq ?? 0);
      expect(summary.held, state.id).toBe(held.size);
      expect(summary.held, `${state.id} held something`).toBeGreaterThan(0);
      expect(Object.values(summary.fates).reduce((a, b) => a + b, 0)).toBe(held.size);
      expect(summary.recoveryMs).not.toBeNull();
      // The table's figures are the side's ledger's.
      for (const key of ["published", "completed", "redelivered", "duplicates", "dropped", "lost"] as const) expect(summary[key], `${state.id} ${key}`).toBe(state.ledger[key]);
      expect(summary.published).toBe(PUBLISHED);
    }
    const [queueGroup, jetstream] = settled.sides.map((s) => s.summary);
    // At-most-once: what the worker held is gone. At-least-once: delivered again, nothing lost.
    expect(queueGroup?.fates).toEqual({ dropped: queueGroup?.held });
    expect(queueGroup?.dropped).toBeGreaterThanOrEqual(queueGroup?.held ?? 0);
    expect(jetstream?.lost).toBe(0);
    expect(jetstream?.fates.dropped).toBeUndefined();
    expect(jetstream?.redelivered).toBeGreaterThan(0);
    // One kill control: both kills within a few ms of each other.
    expect(Math.abs((kills[0] ?? 0) - (kills[1] ?? 0))).toBeLessThan(250);

    // Recorded and replayed to its end, every side's row is the live one, computed again from the hops.
    const res = await fetch(`${base}/api/comparisons/${ID}/recording?since=0`);
    expect(res.headers.get("content-disposition")).toMatch(new RegExp(`attachment; filename="${ID}-.*\\.ndjson"`));
    const live = await view();
    const parsed = parseComparisonRecording(await res.text());
    if (!parsed.ok) throw new Error(parsed.error);
    const { recording } = parsed;
    expect(recording.sides.map((side) => side.header.scenario.id)).toEqual(["nats-queue-group", "nats-jetstream"]);
    const replayed = comparisonViewAt(recording, recording.hops.at(-1)!.at - recording.hops[0]!.at);
    replayed.sides.forEach(({ summary }, i) => expect(summary, summary.scenarioId).toEqual(live.sides[i]?.summary));
    expect((await api(base, "GET", `/api/comparisons/${ID}/recording?since=x`)).status).toBe(400);
    expect((await api(base, "GET", "/api/comparisons/nope/recording")).status).toBe(404);
    console.log(settled.sides.map(({ summary: s }) => `${s.label}: held ${s.held}, ${JSON.stringify(s.fates)}, recovered in ${s.recoveryMs?.toFixed(1)} ms, dropped ${s.dropped}, lost ${s.lost}, redelivered ${s.redelivered}`).join("; "));
  });
});
