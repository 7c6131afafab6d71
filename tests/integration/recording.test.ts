import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { durationOf, ledgerAt, parseRecording, RECORDING_FORMAT } from "../../lib/recording";
import type { Hopscope } from "../../server/app";
import { api, startHopscope, state, waitFor } from "./harness";

const ID = "rabbitmq-work-queue";
let hopscope: Hopscope;
let base: string;

const command = (body: unknown) => api<{ ok: boolean; result: Record<string, unknown> }>(base, "POST", `/api/scenarios/${ID}/commands`, body);

beforeAll(async () => {
  ({ hopscope, base } = await startHopscope());
  expect((await api(base, "POST", `/api/scenarios/${ID}/start`)).status).toBe(200);
});
afterAll(async () => {
  await hopscope.close();
});

describe("recordings", () => {
  test("a recording of a live run with a SIGKILL replays to the same ledger", async () => {
    await command({ type: "set", delayMs: 40, prefetch: 5, failRate: 0 });
    await command({ type: "reset" });
    await command({ type: "publish", count: 60 });
    const victim = await waitFor("a worker holding jobs", async () => {
      const s = await state(base, ID);
      return s.actors.find((a) => a.role === "worker" && a.alive);
    });
    await new Promise((r) => setTimeout(r, 300));
    expect((await command({ type: "kill-actor", actorId: victim.id })).status).toBe(200);
    await waitFor("every job done", async () => ((await state(base, ID)).ledger.completed === 60 ? true : undefined), 30_000, 100);

    const res = await fetch(`${base}/api/scenarios/${ID}/recording?since=0`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/x-ndjson");
    expect(res.headers.get("content-disposition")).toMatch(/attachment; filename="rabbitmq-work-queue-.*\.ndjson"/);
    const text = await res.text();
    const parsed = parseRecording(text);
    if (!parsed.ok) throw new Error(parsed.error);
    const { recording } = parsed;
    expect(recording.header.format).toBe(RECORDING_FORMAT);
    expect(recording.header.scenario.id).toBe(ID);
    expect(recording.hops.some((h) => h.kind === "actor-killed")).toBe(true);
    expect(recording.hops.some((h) => h.kind === "requeued")).toBe(true);

    // Replayed to its end, the recording's ledger is the live one.
    const live = (await state(base, ID)).ledger;
    expect(ledgerAt(recording, durationOf(recording))).toEqual(live);
    expect(live.redelivered).toBeGreaterThan(0);
    // And part way through, it is a ledger of fewer hops.
    expect(ledgerAt(recording, durationOf(recording) / 4).completed).toBeLessThan(60);
  });

  test("a recording from a seq holds only the hops after it; a bad since is refused", async () => {
    const all = parseRecording(await (await fetch(`${base}/api/scenarios/${ID}/recording?since=0`)).text());
    if (!all.ok) throw new Error(all.error);
    const middle = all.recording.hops[Math.floor(all.recording.hops.length / 2)]!.seq;
    const later = parseRecording(await (await fetch(`${base}/api/scenarios/${ID}/recording?since=${middle}`)).text());
    if (!later.ok) throw new Error(later.error);
    expect(later.recording.hops.every((h) => h.seq > middle)).toBe(true);
    expect(later.recording.hops.length).toBeLessThan(all.recording.hops.length);
    expect((await api(base, "GET", `/api/scenarios/${ID}/recording?since=-1`)).status).toBe(400);
    expect((await api(base, "GET", `/api/scenarios/nope/recording`)).status).toBe(404);
  });
});
