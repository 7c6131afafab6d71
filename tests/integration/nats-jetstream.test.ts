import { connect, type JetStreamManager, type NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isMessageHop, type Hop, type MessageHop } from "../../lib/protocol";
import type { Hopscope } from "../../server/app";
import { loadConfig } from "../../server/config";
import { CONSUMER_CHANNEL_ID, INVENTORY_CONSUMER, ORDERS_STREAM, STREAM_CHANNEL_ID, TERMINATED_CHANNEL_ID } from "../../server/scenarios/nats-jetstream/names";
import { api, startHopscope, state, testNames, waitFor } from "./harness";

const ID = "nats-jetstream";
let hopscope: Hopscope;
let base: string;
let nc: NatsConnection;
let jsm: JetStreamManager;

const command = (body: unknown) => api<{ ok: boolean; result: Record<string, unknown> }>(base, "POST", `/api/scenarios/${ID}/commands`, body);
const DELIVERIES: ReadonlySet<string> = new Set(["delivered", "redelivered"]);

/** The scenario's message hops since the last reset, fetched incrementally. */
class HopFeed {
  readonly hops: MessageHop[] = [];
  private since = 0;
  async refresh(): Promise<MessageHop[]> {
    for (;;) {
      const page = await api<{ hops: Hop[]; lastSeq: number }>(base, "GET", `/api/scenarios/${ID}/hops?since=${this.since}`);
      this.hops.push(...page.body.hops.filter(isMessageHop));
      if (page.body.hops.length === 0) return this.hops;
      this.since = page.body.lastSeq;
    }
  }
}

async function setAndAwaitConsumer(settings: Record<string, number>, ackWaitMs: number, maxDeliver: number): Promise<void> {
  expect((await command({ type: "set", ...settings, ackWaitMs, maxDeliver })).status).toBe(200);
  // The processes update the durable consumer in place; JetStream's own view is the proof.
  await waitFor("the consumer to take the new limits", async () => {
    const info = await jsm.consumers.info(testNames.jetstream(ORDERS_STREAM), testNames.jetstream(INVENTORY_CONSUMER));
    return info.config.ack_wait === ackWaitMs * 1_000_000 && info.config.max_deliver === maxDeliver ? true : undefined;
  });
}

async function liveWorkers(): Promise<string[]> {
  return (await state(base, ID)).actors.filter((a) => a.role === "worker" && a.alive).map((a) => a.id);
}

beforeAll(async () => {
  nc = await connect({ servers: loadConfig(process.env).urls.nats });
  jsm = await nc.jetstreamManager();
  // A clean stream and consumer: the scenario's processes make them again on start.
  await jsm.streams.delete(testNames.jetstream(ORDERS_STREAM)).catch(() => false);
  ({ hopscope, base } = await startHopscope());
  expect((await api(base, "POST", `/api/scenarios/${ID}/start`)).status).toBe(200);
});
afterAll(async () => {
  await hopscope.close();
  await nc.close();
});

describe("nats-jetstream against the real NATS", () => {
  test("500 messages, 5 workers SIGKILLed before their ack: every message acked, redeliveries counted by JetStream", async () => {
    const ackWaitMs = 2_000;
    await setAndAwaitConsumer({ delayMs: 100, failRate: 0 }, ackWaitMs, 5);
    expect((await command({ type: "add-actor", role: "worker" })).status).toBe(200);
    await command({ type: "reset" });
    const feed = new HopFeed();
    const published = await command({ type: "publish", count: 500 });
    expect(published.status).toBe(200);
    const ids = published.body.result.messageIds as string[];
    expect(ids).toHaveLength(500);

    const kills: { victim: string; held: MessageHop }[] = [];
    for (let attempt = 0; kills.length < 5 && attempt < 10; attempt++) {
      // A worker that has just been handed a message and is still working on it: killing it
      // now is before its ack, never in the middle of one.
      const pick = await waitFor("a worker fresh into a message", async () => {
        const hops = await feed.refresh();
        const alive = await liveWorkers();
        for (const worker of alive) {
          const last = hops.findLast((h) => h.to === worker && DELIVERIES.has(h.kind));
          if (!last || Date.now() - last.at > 50) continue;
          if (hops.some((h) => h.from === worker && h.message.id === last.message.id && (h.kind === "acked" || h.kind === "nacked"))) continue;
          return { victim: worker, held: last };
        }
        return undefined;
      }, 20_000, 5);
      expect((await command({ type: "kill-actor", actorId: pick.victim })).status).toBe(200);
      expect((await command({ type: "add-actor", role: "worker" })).status).toBe(200);
      // On a starved machine the kill can land after the ack after all: that one does not count.
      const ackedFirst = (await feed.refresh()).some((h) => h.from === pick.victim && h.message.id === pick.held.message.id && h.kind === "acked");
      if (!ackedFirst) kills.push(pick);
    }
    expect(kills).toHaveLength(5);

    await waitFor("every message acked", async () => {
      const hops = await feed.refresh();
      const acked = new Set(hops.filter((h) => h.kind === "acked").map((h) => h.message.id));
      return ids.every((id) => acked.has(id)) ? true : undefined;
    }, 45_000, 250);
    const hops = await feed.refresh();

    for (const { victim, held } of kills) {
      expect(hops.some((h) => h.from === victim && h.message.id === held.message.id && h.kind === "acked")).toBe(false);
      const again = hops.find((h) => h.message.id === held.message.id && h.kind === "redelivered" && h.message.attempt === held.message.attempt + 1);
      expect(again, `${held.message.id} delivered again after ${victim} died`).toBeDefined();
      expect(again!.to).not.toBe(victim);
      expect(again!.message.redelivered).toBe(true);
      // It came back because the ack wait ran out, not before.
      expect(again!.at - held.at).toBeGreaterThan(ackWaitMs - 100);
    }
    // Every delivery carries JetStream's delivery count, and it matches the deliveries seen.
    const byId = new Map<string, MessageHop[]>();
    for (const hop of hops) if (DELIVERIES.has(hop.kind)) byId.set(hop.message.id, [...(byId.get(hop.message.id) ?? []), hop]);
    const redeliveries = hops.filter((h) => h.kind === "redelivered");
    for (const id of ids) {
      const deliveries = byId.get(id) ?? [];
      expect(deliveries.map((h) => h.message.attempt)).toEqual(deliveries.map((_, i) => i + 1));
      for (const hop of deliveries) expect(hop.kind === "redelivered").toBe(hop.message.attempt > 1);
      expect(hops.filter((h) => h.kind === "acked" && h.message.id === id)).toHaveLength(1);
    }
    console.info(`redeliveries: ${redeliveries.map((h) => `${h.message.id}#${h.message.attempt}`).join(", ")}`);
    expect(redeliveries.length).toBeGreaterThanOrEqual(5);

    // The PubAck named each message's place in the stream.
    const confirmed = hops.filter((h) => h.kind === "confirmed");
    expect(confirmed).toHaveLength(500);
    expect(new Set(confirmed.map((h) => h.message.offset)).size).toBe(500);

    const settled = await waitFor("the ledger to settle", async () => {
      const s = await state(base, ID);
      return s.ledger.inFlight === 0 ? s : undefined;
    });
    expect(settled.ledger).toMatchObject({ published: 500, delivered: 500, completed: 500, redelivered: redeliveries.length, duplicates: 0, deadLettered: 0, dropped: 0, lost: 0 });
    // JetStream agrees: nothing left to deliver or to ack, and acked messages left the stream.
    const consumer = await jsm.consumers.info(testNames.jetstream(ORDERS_STREAM), testNames.jetstream(INVENTORY_CONSUMER));
    expect(consumer.num_pending).toBe(0);
    expect(consumer.num_ack_pending).toBe(0);
    expect((await jsm.streams.info(testNames.jetstream(ORDERS_STREAM))).state.messages).toBe(0);
    const gauges = await waitFor("the gauges to catch up", async () => {
      const { gauges: g } = await state(base, ID);
      return g[CONSUMER_CHANNEL_ID]?.unacked === 0 && g[STREAM_CHANNEL_ID]?.stored === 0 ? g : undefined;
    }, 5_000, 200);
    expect(gauges[CONSUMER_CHANNEL_ID]?.ready).toBe(0);
  });

  test("a message that keeps failing is nak'ed, redelivered, and terminated after exactly maxDeliver deliveries", async () => {
    const maxDeliver = 3;
    await setAndAwaitConsumer({ delayMs: 0, failRate: 1 }, 1_000, maxDeliver);
    await command({ type: "reset" });
    const feed = new HopFeed();
    const ids = (await command({ type: "publish", count: 2 })).body.result.messageIds as string[];
    await waitFor("both terminated", async () => ((await feed.refresh()).filter((h) => h.kind === "dead-lettered").length === 2 ? true : undefined), 20_000, 100);
    // Long enough for a delivery past the limit to show up, were there one.
    await new Promise((r) => setTimeout(r, 1_500));
    const hops = await feed.refresh();
    for (const id of ids) {
      const trace = hops.filter((h) => h.message.id === id);
      expect(trace.filter((h) => DELIVERIES.has(h.kind)).map((h) => h.message.attempt)).toEqual([1, 2, 3]);
      expect(trace.filter((h) => h.kind === "nacked").map((h) => h.message.attempt)).toEqual([1, 2, 3]);
      const terminated = trace.filter((h) => h.kind === "dead-lettered");
      expect(terminated).toHaveLength(1);
      expect(terminated[0]!.reason).toContain("terminated");
      expect(terminated[0]!.message.attempt).toBe(maxDeliver);
      expect(terminated[0]!.from).toBe(CONSUMER_CHANNEL_ID);
      expect(terminated[0]!.to).toBe(TERMINATED_CHANNEL_ID);
      expect(trace.some((h) => h.kind === "acked")).toBe(false);
    }
    expect((await state(base, ID)).ledger).toMatchObject({ published: 2, deadLettered: 2, completed: 0, lost: 0, inFlight: 0 });
    await command({ type: "set", failRate: 0 });
  });
});
