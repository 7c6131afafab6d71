import { connect, headers, type JetStreamManager, type NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isMessageHop, PROTOCOL_VERSION, type Hop, type MessageHop } from "../../lib/protocol";
import type { Hopscope } from "../../server/app";
import { namespace } from "../../server/brokers/namespace";
import { MESSAGE_ID_HEADER } from "../../server/brokers/nats";
import { loadConfig } from "../../server/config";
import { jetstreamFates } from "../../server/scenarios/nats-jetstream/fates";
import { CONSUMER_CHANNEL_ID, INVENTORY_CONSUMER, ORDER_CREATED_SUBJECT, ORDERS_STREAM, ordersStreamNames, TERMINATED_CHANNEL_ID } from "../../server/scenarios/nats-jetstream/names";
import { ensureInventoryConsumer, ensureOrdersStream } from "../../server/scenarios/nats-jetstream/stream";
import { api, startHopscope, state, TEST_NAMESPACE, testNames, waitFor } from "./harness";

const ID = "nats-jetstream";
const STREAM = testNames.jetstream(ORDERS_STREAM);
const CONSUMER = testNames.jetstream(INVENTORY_CONSUMER);
let hopscope: Hopscope;
let base: string;
let nc: NatsConnection;
let jsm: JetStreamManager;

const command = (body: unknown) => api<{ ok: boolean; result: Record<string, unknown> }>(base, "POST", `/api/scenarios/${ID}/commands`, body);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function liveWorkers(): Promise<string[]> {
  return (await state(base, ID)).actors.filter((a) => a.role === "worker" && a.alive).map((a) => a.id);
}

async function messageHops(): Promise<MessageHop[]> {
  const hops: MessageHop[] = [];
  for (let since = 0; ; ) {
    const page = await api<{ hops: Hop[]; lastSeq: number }>(base, "GET", `/api/scenarios/${ID}/hops?since=${since}`);
    hops.push(...page.body.hops.filter(isMessageHop));
    if (page.body.hops.length === 0) return hops;
    since = page.body.lastSeq;
  }
}

beforeAll(async () => {
  nc = await connect({ servers: loadConfig(process.env).urls.nats });
  jsm = await nc.jetstreamManager();
  await jsm.streams.delete(STREAM).catch(() => false);
  ({ hopscope, base } = await startHopscope());
  expect((await api(base, "POST", `/api/scenarios/${ID}/start`)).status).toBe(200);
});
afterAll(async () => {
  await hopscope.close();
  await nc.close();
});

describe("nats-jetstream: workers SIGKILLed mid-burst leave nothing in flight", () => {
  test("3 workers, 300 messages, 3 kills each followed by a replacement, eight times: all 300 complete once the redelivery bound has passed", async () => {
    const ackWaitMs = 1_000;
    const maxDeliver = 4;
    // No work per message: most of a worker's time goes to pulling and acking, so a kill lands
    // between an ack JetStream recorded and its hop as often as a run allows.
    expect((await command({ type: "set", delayMs: 0, failRate: 0, ackWaitMs, maxDeliver })).status).toBe(200);
    await waitFor("the consumer to take the new limits", async () => {
      const info = await jsm.consumers.info(STREAM, CONSUMER);
      return info.config.ack_wait === ackWaitMs * 1_000_000 && info.config.max_deliver === maxDeliver ? true : undefined;
    });
    while ((await liveWorkers()).length < 3) expect((await command({ type: "add-actor", role: "worker" })).status).toBe(200);
    await waitFor("3 workers", async () => ((await liveWorkers()).length === 3 ? true : undefined));

    let settledByTheBroker = 0;
    for (let round = 1; round <= 8; round++) {
      await command({ type: "reset" });
      const published = await command({ type: "publish", count: 300 });
      expect(published.status).toBe(200);
      let lastKill = 0;
      for (let kill = 0; kill < 3; kill++) {
        await sleep(100 + Math.random() * 300);
        const workers = await liveWorkers();
        const victim = workers[Math.floor(Math.random() * workers.length)];
        expect(victim).toBeDefined();
        expect((await command({ type: "kill-actor", actorId: victim })).status).toBe(200);
        lastKill = Date.now();
        expect((await command({ type: "add-actor", role: "worker" })).status).toBe(200);
      }

      // The bound: every delivery a dead worker held is redelivered or given up on within
      // max deliver × ack wait; what JetStream recorded the ack of is known a recheck later.
      const bound = lastKill + maxDeliver * ackWaitMs + 5_000;
      const settled = await waitFor(`round ${round}: nothing in flight`, async () => {
        const s = await state(base, ID);
        return s.ledger.inFlight === 0 ? s : undefined;
      }, bound - Date.now(), 100).catch(async (error: unknown) => {
        const { ledger } = await state(base, ID);
        throw new Error(`${String(error)}; ledger ${JSON.stringify(ledger)}`);
      });
      expect(settled.ledger, `round ${round}`).toMatchObject({ published: 300, delivered: 300, completed: 300, duplicates: 0, deadLettered: 0, dropped: 0, lost: 0, inFlight: 0 });
      // JetStream agrees: nothing left to deliver or to ack.
      const consumer = await jsm.consumers.info(STREAM, CONSUMER);
      expect(consumer.num_pending + consumer.num_ack_pending, `round ${round}`).toBe(0);
      expect((await jsm.streams.info(STREAM)).state.messages, `round ${round}`).toBe(0);

      const hops = await messageHops();
      const audited = hops.filter((h) => h.kind === "acked" && h.reason !== undefined);
      settledByTheBroker += audited.length;
      for (const hop of audited) expect(hop.reason).toContain("JetStream has its ack");
      // Once each: a message is acked by one hop, the worker's own or the broker's word for it.
      const acks = new Map<string, number>();
      for (const hop of hops) if (hop.kind === "acked") acks.set(hop.message.id, (acks.get(hop.message.id) ?? 0) + 1);
      expect([...acks.values()].every((n) => n === 1), `round ${round}`).toBe(true);
      expect(acks.size, `round ${round}`).toBe(300);
      while ((await liveWorkers()).length !== 3) await sleep(100);
    }
    console.info(`acks JetStream had and the killed worker never reported, settled from the stream: ${settledByTheBroker}`);
  });
});

describe("jetstreamFates against the real JetStream", () => {
  // A namespace of its own: the scenario's workers must not take these messages.
  const names = ordersStreamNames(namespace(`${TEST_NAMESPACE}-fates`));
  const settings = { ackWaitMs: 500, maxDeliver: 1 };

  const deliveryOf = (id: string, seq: number, attempt: number, at: number): MessageHop => ({
    v: PROTOCOL_VERSION,
    seq,
    scenarioId: ID,
    broker: "nats",
    kind: attempt > 1 ? "redelivered" : "delivered",
    from: CONSUMER_CHANNEL_ID,
    to: "worker-1",
    at,
    message: { id, traceId: id, destination: ORDER_CREATED_SUBJECT, offset: String(seq), attempt, redelivered: attempt > 1, size: 0, preview: "" },
  });

  test("acked, still held, given up after its last delivery, and gone with its stream are told apart", async () => {
    await jsm.streams.delete(names.stream).catch(() => false);
    await ensureOrdersStream(jsm, names);
    await ensureInventoryConsumer(jsm, names, settings);
    const js = nc.jetstream();
    for (const id of ["f-acked", "f-held"]) {
      const h = headers();
      h.set(MESSAGE_ID_HEADER, id);
      await js.publish(names.orderCreated, new Uint8Array(), { headers: h });
    }
    const consumer = await js.consumers.get(names.stream, names.consumer);
    const first = await consumer.next({ expires: 2_000 });
    const second = await consumer.next({ expires: 2_000 });
    expect(first && second).toBeTruthy();
    const delivered = Date.now();
    expect(await first!.ackAck()).toBe(true);
    const reader = jetstreamFates(loadConfig(process.env).urls.nats, namespace(`${TEST_NAMESPACE}-fates`));
    try {
      const acked = deliveryOf("f-acked", first!.seq, 1, delivered);
      const held = deliveryOf("f-held", second!.seq, 1, delivered);
      expect(await reader.fates([acked, held], settings)).toEqual([
        { status: "acked", reason: expect.stringContaining("JetStream has its ack") },
        { status: "held" },
      ]);

      // Its one allowed delivery unacked past the ack wait: JetStream gives up, and says so only
      // in an advisory. The reader says it too, for when that advisory was missed.
      await sleep(settings.ackWaitMs + 1_100);
      expect(await reader.fates([held], settings)).toEqual([{ status: "dead-lettered", reason: expect.stringContaining("terminated after 1 deliveries"), to: TERMINATED_CHANNEL_ID }]);

      await jsm.streams.delete(names.stream);
      expect(await reader.fates([held], settings)).toEqual([{ status: "gone", reason: expect.stringContaining("deleted or made again") }]);
      // Made again since: its sequence numbers now name other messages.
      await ensureOrdersStream(jsm, names);
      expect(await reader.fates([held], settings)).toEqual([{ status: "gone", reason: expect.stringContaining("deleted or made again") }]);
    } finally {
      await reader.close();
      await jsm.streams.delete(names.stream).catch(() => false);
    }
  });
});
