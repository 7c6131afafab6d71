/**
 * The seeds' stories of a post and a transfer on the real NATS, RabbitMQ and Redis, with a
 * SIGKILL in each kind of leg: every action ends, the at-least-once jobs lose nothing, and the
 * ledger's figures agree with the hops and with RabbitMQ.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isMessageHop, type MessageHop } from "../../lib/protocol";
import type { Hopscope } from "../../server/app";
import { api, everyHop, startHopscope, state, waitFor } from "./harness";
import { killWhileHolding, legOf, queueDepths, storyCommands, storySettled } from "./story-harness";

let hopscope: Hopscope;
let base: string;

beforeAll(async () => {
  ({ hopscope, base } = await startHopscope());
});
afterAll(async () => {
  for (const id of ["social-post", "bank-transfer", "ride-request"]) await api(base, "POST", `/api/scenarios/${id}/stop`);
  await hopscope.close();
});

const ACTIONS = 120;

function byTrace(hops: MessageHop[]): Map<string, MessageHop[]> {
  const traces = new Map<string, MessageHop[]>();
  for (const hop of hops) traces.set(hop.message.traceId, [...(traces.get(hop.message.traceId) ?? []), hop]);
  return traces;
}

/** Starts a story fresh, publishes half, kills mid-burst, publishes the rest, and waits for the end. */
async function runWithKills(id: string, settings: Record<string, number>, killed: string[], listener: string) {
  const command = storyCommands(base, id);
  expect((await api(base, "POST", `/api/scenarios/${id}/start`)).body).toMatchObject({ ok: true });
  expect((await command({ type: "reset" })).status).toBe(200);
  expect((await command({ type: "set", ...settings })).status).toBe(200);
  const ids = ((await command({ type: "publish", count: ACTIONS / 2 })).body.result.messageIds as string[]).slice();
  const victims = await killWhileHolding(base, id, killed, 2);
  const subscriber = (await state(base, id)).actors.find((a) => a.role === listener && a.alive)?.id;
  expect((await command({ type: "kill-actor", actorId: subscriber })).status).toBe(200);
  ids.push(...((await command({ type: "publish", count: ACTIONS / 2 })).body.result.messageIds as string[]));
  const settled = await storySettled(base, id, ACTIONS);
  const hops = (await everyHop(base, id)).filter(isMessageHop);
  return { ids, victims, ledger: settled.ledger, hops, traces: byTrace(hops) };
}

describe("stories from the seeds across the real brokers", () => {
  test(`social-post: ${ACTIONS} posts, a spam filter, an image worker and a feed listener SIGKILLed mid-burst`, async () => {
    const { ids, victims, ledger, hops, traces } = await runWithKills("social-post", { checkDelayMs: 10, timeoutMs: 2_000, retries: 2, flagRate: 0.2, jobDelayMs: 150 }, ["spam-filter", "image-worker"], "feed-listener");
    expect(ledger.unit).toBe("post");
    expect(ledger.lost).toBe(0);
    expect(ledger.completed + ledger.dropped).toBe(ACTIONS);
    for (const reason of Object.keys(ledger.dropReasons)) expect(["flagged as spam", "spam check timed out after retries", "no spam filter listening (503)"]).toContain(reason);
    expect(ledger.dropReasons["flagged as spam"] ?? 0).toBeGreaterThan(0);

    let completed = 0;
    let withImages = 0;
    for (const id of ids) {
      const trace = traces.get(id) ?? [];
      if (trace.some((h) => h.kind === "dropped" && h.message.destination === "spam.check")) {
        // A flagged post stops at its check.
        expect(trace.filter((h) => h.message.destination !== "spam.check"), id).toEqual([]);
        continue;
      }
      completed++;
      const published = (destination: string) => trace.filter((h) => h.kind === "published" && h.message.destination === destination).length;
      expect(published("feed-updates"), id).toBe(1);
      const images = published("social.images");
      if (images > 0) {
        withImages++;
        expect(trace.some((h) => h.kind === "acked" && h.message.destination === "social.images"), id).toBe(true);
      }
    }
    expect(completed).toBe(ledger.completed);
    // The samples alternate posts with and without images: both kinds went through.
    expect(withImages).toBeGreaterThan(0);
    expect(withImages).toBeLessThan(completed);

    const images = legOf(ledger, "images");
    expect(images).toMatchObject({ published: withImages, completed: withImages, lost: 0, inFlight: 0 });
    expect(images.redelivered).toBeGreaterThan(0);
    expect(hops.some((h) => h.kind === "requeued" && h.from === victims[1])).toBe(true);
    expect(hops.some((h) => h.kind === "retry")).toBe(true);
    const feed = legOf(ledger, "feed");
    expect(feed.published).toBe(completed);
    expect(hops.some((h) => h.kind === "confirmed" && h.message.destination === "feed-updates" && h.reason?.startsWith("missed by 1 feed-listener"))).toBe(true);
    expect(await queueDepths(["social.images"])).toEqual([0]);
    console.log(`posts ${ledger.published}: completed ${ledger.completed} (${withImages} with images), dropped ${JSON.stringify(ledger.dropReasons)}; images redelivered ${images.redelivered}`);
  });

  test(`bank-transfer: ${ACTIONS} transfers, an account service, an email worker and a cache node SIGKILLed mid-burst`, async () => {
    const { ids, victims, ledger, hops, traces } = await runWithKills(
      "bank-transfer",
      { accountDelayMs: 10, timeoutMs: 2_000, retries: 2, insufficientRate: 0.15, failRate: 0.1, jobDelayMs: 40 },
      ["account-service", "email-worker"],
      "cache-node",
    );
    expect(ledger.unit).toBe("transfer");
    expect(ledger.lost).toBe(0);
    expect(ledger.completed + ledger.dropped).toBe(ACTIONS);
    const allowed = ["insufficient funds", "transfer failed", "balance check timed out after retries", "transfer timed out after retries", "no account service (503)", "no transfer executor (503)"];
    for (const reason of Object.keys(ledger.dropReasons)) expect(allowed).toContain(reason);
    expect(ledger.dropReasons["insufficient funds"] ?? 0).toBeGreaterThan(0);

    let completed = 0;
    for (const id of ids) {
      const trace = traces.get(id) ?? [];
      const refused = trace.find((h) => h.kind === "dropped" && (h.message.destination === "accounts.checkBalance" || h.message.destination === "transfers.execute"));
      if (refused) {
        // Money that did not move sends no email and invalidates no cache.
        expect(trace.filter((h) => h.message.destination === "bank.emails" || h.message.destination === "cache-invalidate"), id).toEqual([]);
        if (refused.message.destination === "accounts.checkBalance") expect(trace.filter((h) => h.message.destination === "transfers.execute"), id).toEqual([]);
        continue;
      }
      completed++;
      // Both emails, each acked at least once; the execution asked only once the balance was known
      // (a slow responder's late answer to an earlier attempt may still come after).
      const acked = new Set(trace.filter((h) => h.kind === "acked").map((h) => h.message.id));
      expect([...acked].sort(), id).toEqual([`${id}/transfer_received`, `${id}/transfer_sent`]);
      const executed = trace.find((h) => h.kind === "published" && h.message.destination === "transfers.execute");
      const known = trace.find((h) => h.kind === "reply-received" && h.message.destination === "accounts.checkBalance");
      expect(known && executed && known.at <= executed.at, id).toBe(true);
    }
    expect(completed).toBe(ledger.completed);
    const emails = legOf(ledger, "emails");
    expect(emails).toMatchObject({ published: 2 * completed, completed: 2 * completed, lost: 0, inFlight: 0 });
    expect(emails.redelivered).toBeGreaterThan(0);
    expect(hops.some((h) => h.kind === "requeued" && h.from === victims[1])).toBe(true);
    expect(legOf(ledger, "cache").published).toBe(completed);
    expect(await queueDepths(["bank.emails"])).toEqual([0]);
    console.log(`transfers ${ledger.published}: completed ${ledger.completed}, dropped ${JSON.stringify(ledger.dropReasons)}; emails ${emails.published} redelivered ${emails.redelivered}`);
  });

  test("ride-request: with every driver off duty rides stop at the lookup; with one back they go through, a SIGKILL in each leg", async () => {
    const id = "ride-request";
    const command = storyCommands(base, id);
    expect((await api(base, "POST", `/api/scenarios/${id}/start`)).body).toMatchObject({ ok: true });
    expect((await command({ type: "set", lookupDelayMs: 10, timeoutMs: 2_000, retries: 2, jobDelayMs: 40 })).status).toBe(200);
    const followers = (await state(base, id)).actors.filter((a) => a.alive && (a.role === "location-service" || a.role === "ride-service")).map((a) => a.id);
    expect(followers).toHaveLength(3);
    /** Flips drivers and waits until every follower has heard each change. */
    const toggle = async (available: boolean, driverIds: string[]) => {
      const toggles: string[] = [];
      for (const driverId of driverIds) toggles.push(...((await command({ type: "publish", key: "driver toggle", payload: { driverId, available } })).body.result.messageIds as string[]));
      await waitFor("every follower to hear each change", async () => {
        const heard = (await everyHop(base, id)).filter(isMessageHop).filter((h) => h.kind === "delivered" && h.message.destination === "driver-status-changed" && toggles.includes(h.message.traceId));
        return followers.every((f) => heard.filter((h) => h.to === f).length === toggles.length) ? true : undefined;
      });
    };

    expect((await command({ type: "reset" })).status).toBe(200);
    await toggle(false, ["driver-1", "driver-2", "driver-3"]);
    await command({ type: "publish", count: 5 });
    const stopped = await storySettled(base, id, 5);
    // The toggles are drawn, not counted: the ledger counts rides.
    expect(stopped.ledger).toMatchObject({ unit: "ride", published: 5, completed: 0, dropped: 5, dropReasons: { "no drivers available nearby": 5 }, lost: 0 });
    expect(legOf(stopped.ledger, "analytics").published).toBe(0);

    expect((await command({ type: "reset" })).status).toBe(200);
    await toggle(true, ["driver-2"]);
    const ids = (await command({ type: "publish", count: ACTIONS / 2 })).body.result.messageIds as string[];
    const victims = await killWhileHolding(base, id, ["location-service", "analytics-worker"], 2);
    const app = (await state(base, id)).actors.find((a) => a.role === "driver-app" && a.alive)?.id;
    expect((await command({ type: "kill-actor", actorId: app })).status).toBe(200);
    ids.push(...((await command({ type: "publish", count: ACTIONS / 2 })).body.result.messageIds as string[]));
    const { ledger } = await storySettled(base, id, ACTIONS);
    expect(ledger.lost).toBe(0);
    expect(ledger.completed + ledger.dropped).toBe(ACTIONS);
    for (const reason of Object.keys(ledger.dropReasons)) expect(["drivers.nearby timed out after retries", "no location service (503)"]).toContain(reason);
    const hops = (await everyHop(base, id)).filter(isMessageHop);
    const traces = byTrace(hops);
    let completed = 0;
    for (const ride of ids) {
      const trace = traces.get(ride) ?? [];
      if (trace.some((h) => h.kind === "dropped" && h.message.destination === "drivers.nearby")) continue;
      completed++;
      expect(trace.some((h) => h.kind === "acked" && h.message.destination === "rides.analytics"), ride).toBe(true);
    }
    expect(completed).toBe(ledger.completed);
    const analytics = legOf(ledger, "analytics");
    expect(analytics).toMatchObject({ published: completed, completed, lost: 0, inFlight: 0 });
    expect(analytics.redelivered).toBeGreaterThan(0);
    expect(hops.some((h) => h.kind === "requeued" && h.from === victims[1])).toBe(true);
    // Missed notifications are the driver apps', never the status followers'.
    expect(hops.some((h) => h.kind === "confirmed" && h.message.destination === "driver-notifications" && h.reason?.startsWith("missed by 1 driver-app"))).toBe(true);
    expect(hops.some((h) => h.kind === "confirmed" && h.message.destination === "driver-status-changed" && h.reason?.startsWith("missed"))).toBe(false);
    expect(await queueDepths(["rides.analytics"])).toEqual([0]);
    console.log(`rides ${ledger.published}: completed ${ledger.completed}, dropped ${JSON.stringify(ledger.dropReasons)}; analytics redelivered ${analytics.redelivered}`);
  });
});
