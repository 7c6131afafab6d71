import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isMessageHop, type Hop, type MessageHop } from "../../lib/protocol";
import type { Hopscope } from "../../server/app";
import { loadConfig } from "../../server/config";
import { DEAD_LETTER_REASON, DLQ_STREAM, GROUPS, RETRY_BACKOFF_MS, STREAM } from "../../server/scenarios/redis-streams/names";
import { api, everyHop as everyHopOf, startHopscope, state, testNames, waitFor } from "./harness";

const ID = "redis-streams";
let hopscope: Hopscope;
let base: string;
let redis: Redis;

const command = (body: unknown) => api<{ ok: boolean; result: Record<string, unknown> }>(base, "POST", `/api/scenarios/${ID}/commands`, body);

const everyHop = async (): Promise<MessageHop[]> => (await everyHopOf(base, ID)).filter(isMessageHop);

async function pendingIn(group: string): Promise<number> {
  const summary = (await redis.xpending(testNames.redis(STREAM), group)) as [number, ...unknown[]];
  return summary[0];
}

beforeAll(async () => {
  redis = new Redis(loadConfig(process.env).urls.redis);
  // A clean stream: this Redis is ours to use, and the groups are recreated by the consumers.
  await redis.del(testNames.redis(STREAM), testNames.redis(DLQ_STREAM));
  ({ hopscope, base } = await startHopscope());
  expect((await api(base, "POST", `/api/scenarios/${ID}/start`)).status).toBe(200);
});
afterAll(async () => {
  await hopscope.close();
  redis.disconnect();
});

describe("redis-streams against the real Redis", () => {
  test("1,000 entries, 3 consumers, 5 SIGKILLs: every entry acked in its group, claims counted, nothing pending", async () => {
    // Claims after 4 s idle: long enough that a live consumer starved of CPU while a replacement
    // starts up still renews its hold in time.
    // 40 ms a job keeps a backlog through all five kills, so each victim dies holding an entry.
    await command({ type: "set", delayMs: 40, failRate: 0, minIdleMs: 4000 });
    expect((await command({ type: "add-actor", role: "email-service" })).status).toBe(200);
    expect((await command({ type: "add-actor", role: "analytics-service" })).status).toBe(200);
    await command({ type: "reset" });
    const ids = (await command({ type: "publish", count: 1000 })).body.result.messageIds as string[];

    const killed: string[] = [];
    for (let kill = 0; kill < 5; kill++) {
      const victim = await waitFor("an email-service consumer holding entries", async () => {
        const s = await state(base, ID);
        return s.actors.find((a) => a.role === "email-service" && a.alive && !killed.includes(a.id) && (s.gauges[a.id]?.pending ?? 0) > 0);
      });
      expect((await command({ type: "kill-actor", actorId: victim.id })).status).toBe(200);
      killed.push(victim.id);
      expect((await command({ type: "add-actor", role: "email-service" })).status).toBe(200);
    }

    // Both groups get every entry: wait until neither holds anything and each acked all.
    await waitFor("both groups to finish", async () => {
      const hops = await everyHop();
      const acked = (group: string) => new Set(hops.filter((h) => h.kind === "acked" && h.message.destination === group).map((h) => h.message.id));
      return GROUPS.every((g) => ids.every((id) => acked(g).has(id))) ? true : undefined;
    }, 60_000, 500);
    for (const group of GROUPS) await waitFor(`${group}'s PEL to empty`, async () => ((await pendingIn(group)) === 0 ? true : undefined));

    const hops = await everyHop();
    const claims = hops.filter((h) => h.kind === "claimed");
    expect(claims.length).toBeGreaterThan(0);
    const all = (await api<{ hops: Hop[] }>(base, "GET", `/api/scenarios/${ID}/hops?since=0`)).body.hops;
    const killedAt = new Map(all.filter((h) => h.kind === "actor-killed").map((h) => [h.from, h.at]));
    // A consumer that died on its own (its process crashed) is as dead to the group as a killed one.
    const diedAt = new Map([...all.filter((h) => h.kind === "actor-exited").map((h): [string, number] => [h.from, h.at]), ...killedAt]);
    const crashed = all.filter((h) => h.kind === "actor-exited" && h.actor?.role === "email-service");
    if (crashed.length) console.log(`email-service consumers that died on their own: ${crashed.map((h) => h.from).join(", ")}`);
    const lostToStalls: string[] = [];
    for (const claim of claims) {
      expect(claim.message.redelivered).toBe(true);
      // Claimed by a consumer that was alive then (it may be killed later in the run)...
      expect(claim.at).toBeLessThan(killedAt.get(claim.to) ?? Infinity);
      // ...from one that had died: live consumers keep hold of what they work on.
      const holder = hops
        .filter((h) => h.message.id === claim.message.id && h.message.destination === claim.message.destination && (h.kind === "delivered" || h.kind === "claimed") && h.at < claim.at)
        .sort((a, b) => b.at - a.at)[0];
      expect(holder, `${claim.message.id} was claimed from nobody`).toBeDefined();
      const holderDiedAt = diedAt.get(holder!.to);
      if (holderDiedAt !== undefined) {
        expect(holderDiedAt, `${claim.message.id} was claimed from ${holder!.to} before it died`).toBeLessThan(claim.at);
        continue;
      }
      // A live member loses an entry only by stalling past minIdleMs (a starved CPU on a busy
      // machine); it must then let the entry go, never settle it as well as the claimer.
      const settledByHolder = hops.some((h) => h.message.id === claim.message.id && h.message.destination === claim.message.destination && (h.kind === "acked" || h.kind === "dead-lettered") && h.from === holder!.to);
      expect(settledByHolder, `${claim.message.id} was claimed from ${holder!.to}, alive, which settled it too`).toBe(false);
      lostToStalls.push(`${claim.message.id} from ${holder!.to}`);
    }
    if (lostToStalls.length) console.log(`entries claimed from live consumers that stalled past minIdleMs: ${lostToStalls.join(", ")}`);
    const { ledger } = await state(base, ID);
    expect(ledger).toMatchObject({ published: 1000, lost: 0, inFlight: 0 });
    expect(ledger.redelivered).toBe(claims.length);
    // Each claim takes an entry once: nothing is claimed twice by the same consumer.
    const perClaimer = new Set(claims.map((c) => `${c.message.id}|${c.message.destination}|${c.to}`));
    expect(perClaimer.size).toBe(claims.length);
    console.log(`streams kill test: entries 1000, kills ${killed.length}, claims ${claims.length}, redelivered ${ledger.redelivered}, lost ${ledger.lost}, pending ${GROUPS.map((g) => g).join("/")} 0/0`);
  });

  test("after the stream and its groups vanish (as in a Redis restart), consumers recreate the groups and carry on", async () => {
    await redis.del(testNames.redis(STREAM), testNames.redis(DLQ_STREAM));
    await waitFor("both groups back", async () => {
      const groups = (await redis.xinfo("GROUPS", testNames.redis(STREAM)).catch(() => [])) as unknown[];
      return groups.length >= GROUPS.length ? true : undefined;
    }, 15_000, 200);
    await command({ type: "reset" });
    await command({ type: "set", delayMs: 0, failRate: 0 });
    const [id] = (await command({ type: "publish" })).body.result.messageIds as string[];
    await waitFor("both groups to ack it", async () => ((await everyHop()).filter((h) => h.kind === "acked" && h.message.id === id).length === GROUPS.length ? true : undefined), 15_000);
  });

  test("a failing entry is retried after 100, 400 and 900 ms, then parked in the dead-letter stream and acked", async () => {
    await command({ type: "reset" });
    await redis.del(testNames.redis(DLQ_STREAM));
    await command({ type: "set", delayMs: 0, failRate: 1, minIdleMs: 500 });
    const [id] = (await command({ type: "publish" })).body.result.messageIds as string[];
    await waitFor("both groups to park it", async () => ((await everyHop()).filter((h) => h.kind === "dead-lettered" && h.message.id === id).length === GROUPS.length ? true : undefined), 15_000);
    await command({ type: "set", failRate: 0 });

    const hops = (await everyHop()).filter((h) => h.message.id === id).sort((a, b) => a.at - b.at);
    for (const group of GROUPS) {
      const mine = hops.filter((h) => h.message.destination === group);
      const nacks = mine.filter((h) => h.kind === "nacked");
      const retries = mine.filter((h) => h.kind === "retry");
      expect(nacks).toHaveLength(RETRY_BACKOFF_MS.length);
      expect(retries.map((h) => h.message.attempt)).toEqual([2, 3, 4]);
      const waits = retries.map((retry, i) => retry.at - nacks[i]!.at);
      waits.forEach((wait, i) => {
        expect(wait).toBeGreaterThanOrEqual(RETRY_BACKOFF_MS[i]! * 0.95);
        expect(wait).toBeLessThan(RETRY_BACKOFF_MS[i]! + 250);
      });
      expect(mine.find((h) => h.kind === "dead-lettered")?.reason).toBe(DEAD_LETTER_REASON);
      console.log(`${group}: parked after ${nacks.length + 1} attempts; waits ${waits.map((w) => w.toFixed(0)).join(", ")} ms`);
      expect(await pendingIn(group)).toBe(0);
    }
    expect(await redis.xlen(testNames.redis(DLQ_STREAM))).toBe(GROUPS.length);
    expect((await state(base, ID)).ledger).toMatchObject({ deadLettered: 1, lost: 0 });
  });

  test("a replay group created from 0 reads the whole history", async () => {
    const length = await redis.xlen(testNames.redis(STREAM));
    const replay = String(((await command({ type: "add-actor", role: "replay" })).body.result as { actorId: string }).actorId);
    await waitFor("the replay to read everything", async () => ((await everyHop()).filter((h) => h.kind === "delivered" && h.to === replay).length === length ? true : undefined), 30_000, 500);
  });
});
