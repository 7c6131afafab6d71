import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isMessageHop, type Hop, type MessageHop } from "../../lib/protocol";
import { DROP_NO_RESPONDERS, DROP_TIMED_OUT } from "../../server/scenarios/nats-request-reply/names";
import type { Hopscope } from "../../server/app";
import { allHops, api, startHopscope, state, waitFor } from "./harness";

const ID = "nats-request-reply";
/** How far apart two processes' wall clocks may read on this machine. */
const CLOCK_SKEW_MS = 5;
let hopscope: Hopscope;
let base: string;

const command = (body: unknown) => api<{ ok: boolean; result: Record<string, unknown>; error?: { code: string; message: string } }>(base, "POST", `/api/scenarios/${ID}/commands`, body);

beforeAll(async () => {
  ({ hopscope, base } = await startHopscope());
});
afterAll(async () => {
  await hopscope.close();
});

function byMessage(hops: readonly Hop[]): Map<string, MessageHop[]> {
  const map = new Map<string, MessageHop[]>();
  for (const hop of hops) {
    if (!isMessageHop(hop)) continue;
    const list = map.get(hop.message.id) ?? [];
    list.push(hop);
    map.set(hop.message.id, list);
  }
  return map;
}

describe("nats-request-reply against the real NATS", () => {
  test("a burst of 50 with 3 responders, one SIGKILLed mid-burst, is fully accounted for", async () => {
    expect((await api(base, "POST", `/api/scenarios/${ID}/start`)).status).toBe(200);
    expect((await command({ type: "reset" })).status).toBe(200);
    expect((await command({ type: "set", delayMs: 30, timeoutMs: 700, retries: 3 })).status).toBe(200);
    const added = await command({ type: "add-actor", role: "responder" });
    expect(added.status).toBe(200);
    const victim = String(added.body.result.actorId);

    const published = await command({ type: "publish", count: 50 });
    expect(published.status).toBe(200);
    const ids = published.body.result.messageIds as string[];
    expect(ids).toHaveLength(50);

    // Kill the victim while it still holds requests: after its first few deliveries.
    await waitFor("the victim to take requests", async () => {
      const delivered = (await allHops(base, ID)).filter((h) => h.kind === "delivered" && h.to === victim);
      return delivered.length >= 3 || undefined;
    }, 10_000, 5);
    const killed = await command({ type: "kill-actor", actorId: victim });
    expect(killed.status).toBe(200);
    expect(killed.body.result.signal).toBe("SIGKILL");

    const settled = await waitFor("every request to settle", async () => {
      const s = await state(base, ID);
      return s.ledger.published === 50 && s.ledger.inFlight === 0 ? s : undefined;
    }, 30_000);

    const { ledger } = settled;
    expect(settled.actors.find((a) => a.id === victim)?.alive).toBe(false);
    expect(ledger.completed + ledger.dropped).toBe(50);
    expect(ledger.lost).toBe(0);
    for (const reason of Object.keys(ledger.dropReasons)) expect(reason).toBe(DROP_TIMED_OUT);

    const hops = await allHops(base, ID);
    expect(hops.some((h) => h.kind === "actor-killed" && h.from === victim)).toBe(true);
    const messages = byMessage(hops);
    // The victim died holding queued requests: they time out and are retried elsewhere.
    expect(hops.filter((h) => h.kind === "timeout").length).toBeGreaterThan(0);
    expect(hops.filter((h) => h.kind === "retry").length).toBeGreaterThan(0);
    // What NATS had handed to the victim died with it: delivered, never answered.
    const victimUnanswered = [...messages.values()].filter((trace) => trace.some((h) => h.kind === "delivered" && h.to === victim) && !trace.some((h) => h.kind === "replied" && h.from === victim));
    expect(victimUnanswered.length).toBeGreaterThan(0);
    // The ledger's redeliveries are exactly the extra deliveries in the hops.
    const extraDeliveries = ids.reduce((sum, id) => sum + Math.max(0, (messages.get(id) ?? []).filter((h) => h.kind === "delivered").length - 1), 0);
    expect(ledger.redelivered).toBe(extraDeliveries);
    // Answered on a later attempt, it was delivered again. (Answered on its first, the victim did
    // reply: its own hop for that was still held when the SIGKILL came, the reply already sent.)
    expect(ledger.redelivered).toBeGreaterThanOrEqual(victimUnanswered.filter((t) => t.some((h) => h.kind === "reply-received" && "message" in h && h.message.attempt > 1)).length);

    for (const id of ids) {
      const trace = messages.get(id) ?? [];
      const terminal = trace.filter((h) => h.kind === "reply-received" || h.kind === "dropped");
      expect(terminal, `message ${id} ends exactly once`).toHaveLength(1);
      // Per attempt, the hops happened in causal order on the wall clock.
      for (let attempt = 1; attempt <= 4; attempt++) {
        const at = (kind: string) => trace.find((h) => h.kind === kind && h.message.attempt === attempt)?.at;
        const chain = [at(attempt === 1 ? "published" : "retry"), at("delivered"), at("replied"), at("reply-received")].filter((t): t is number => t !== undefined);
        // Each process reads its own clock: across processes, a few ms apart were seen on a busy
        // 2-core machine (a reply stamped 3 ms after its receipt), so the order allows that much.
        for (let i = 1; i < chain.length; i++) expect(chain[i] ?? 0, `message ${id} attempt ${attempt} in time order`).toBeGreaterThanOrEqual((chain[i - 1] ?? 0) - CLOCK_SKEW_MS);
      }
      const received = trace.find((h) => h.kind === "reply-received");
      if (received) expect(received.rttMs).toBeGreaterThan(0);
    }
    // The ledger adds up from the hops themselves.
    const completedIds = ids.filter((id) => messages.get(id)?.some((h) => h.kind === "reply-received"));
    expect(ledger.completed).toBe(completedIds.length);
  });

  test("with no responders left, a request is dropped with NATS's 503", async () => {
    const before = await state(base, ID);
    for (const actor of before.actors.filter((a) => a.role === "responder" && a.alive)) {
      expect((await command({ type: "kill-actor", actorId: actor.id })).status).toBe(200);
    }
    await waitFor("responders to be gone", async () => ((await state(base, ID)).actors.every((a) => a.role !== "responder" || !a.alive) ? true : undefined));
    await command({ type: "reset" });
    const published = await command({ type: "publish" });
    const [id] = published.body.result.messageIds as string[];
    const dropped = await waitFor("the drop", async () => (await allHops(base, ID)).find((h) => isMessageHop(h) && h.message.id === id && h.kind === "dropped") as MessageHop | undefined);
    expect(dropped.reason).toBe(DROP_NO_RESPONDERS);
    const { ledger } = await state(base, ID);
    expect(ledger).toMatchObject({ published: 1, dropped: 1, completed: 0, lost: 0, inFlight: 0 });
    expect(ledger.dropReasons[DROP_NO_RESPONDERS]).toBe(1);

    // A responder added back serves again.
    expect((await command({ type: "add-actor", role: "responder" })).status).toBe(200);
    await command({ type: "publish" });
    await waitFor("a completion", async () => ((await state(base, ID)).ledger.completed === 1 ? true : undefined));
  });

  test("stop ends every actor process", async () => {
    const running = await state(base, ID);
    const pids = running.actors.filter((a) => a.alive).map((a) => a.pid);
    expect(pids.length).toBeGreaterThan(0);
    const stopped = await api<{ ok: boolean; result: { running: boolean } }>(base, "POST", `/api/scenarios/${ID}/stop`);
    expect(stopped.body.result.running).toBe(false);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});
