/**
 * Seed 001's hybrid architecture on real processes: gRPC between the gateway and the orders
 * service, Kafka to analytics, RabbitMQ to the email workers. One order is one trace across all
 * three; a SIGKILL in each shows what each does with it: the caller learns of a failed call,
 * Kafka's group reads again after its rebalance, RabbitMQ requeues.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isMessageHop, type ActorHop, type Hop } from "../../lib/protocol";
import type { Hopscope } from "../../server/app";
import { createKafka, partitionFigures } from "../../server/brokers/kafka";
import { ANALYTICS_GROUP, EMAIL_QUEUE, EVENT_PARTITIONS, EVENT_TOPIC, ORDERS, PLACE_ORDER } from "../../server/scenarios/hybrid-api/names";
import { api, everyHop, liveActors, startHopscope, state, testNames, waitFor } from "./harness";
import { killWhileHolding, legOf, queueDepths, storyCommands, storySettled } from "./story-harness";

const ID = "hybrid-api";
const FIRST_BURST = 40;
const SECOND_BURST = 20;
const ORDERS_PLACED = FIRST_BURST + SECOND_BURST;

let hopscope: Hopscope;
let base: string;
const command = (body: unknown) => storyCommands(base, ID)(body);
const messageHops = async () => (await everyHop(base, ID)).filter(isMessageHop);
const rebalances = (hops: Hop[], member: string) => hops.filter((h): h is ActorHop => h.kind === "rebalanced" && h.from === member);

beforeAll(async () => {
  ({ hopscope, base } = await startHopscope());
  expect((await api(base, "POST", `/api/scenarios/${ID}/start`)).body).toMatchObject({ ok: true });
});
afterAll(async () => {
  await api(base, "POST", `/api/scenarios/${ID}/stop`);
  await hopscope.close();
});

/** Both analytics members own partitions between them, all of them: the group has settled. */
async function groupSettled(): Promise<void> {
  await waitFor(
    "both analytics members to own the topic's partitions",
    async () => {
      const members = await liveActors(base, ID, "analytics");
      const hops = await everyHop(base, ID);
      const owned = members.map((member) => rebalances(hops, member).at(-1)?.partitions ?? []);
      const all = new Set(owned.flat());
      return members.length === 2 && owned.every((p) => p.length > 0) && all.size === EVENT_PARTITIONS ? true : undefined;
    },
    30_000,
    200,
  );
}

/** Kafka's own word: the group has committed every record of the topic. */
async function groupLag(): Promise<number> {
  const admin = createKafka({ brokers: "127.0.0.1:9092", clientId: "hybrid-api-test" }).admin();
  await admin.connect();
  try {
    const figures = await partitionFigures(admin, testNames.name(EVENT_TOPIC), testNames.name(ANALYTICS_GROUP));
    return figures.reduce((lag, p) => lag + p.end - (p.committed ?? p.start), 0);
  } finally {
    await admin.disconnect();
  }
}

describe("hybrid-api across gRPC, Kafka and RabbitMQ", () => {
  test(`${ORDERS_PLACED} orders; an orders service, an analytics member and an email worker SIGKILLed mid-burst: exact ledgers, nothing lost`, async () => {
    await groupSettled();
    expect((await command({ type: "set", orderDelayMs: 600, deadlineMs: 10_000, analyticsDelayMs: 250, jobDelayMs: 250 })).status).toBe(200);
    expect((await command({ type: "reset" })).status).toBe(200);

    const ids = (await command({ type: "publish", count: FIRST_BURST })).body.result.messageIds as string[];
    // While it works on its share of the burst, before it hands any order on.
    const [deadServer] = await killWhileHolding(base, ID, ["orders-service"], 2);
    await waitFor("the gateway's health check to see one orders service", async () => ((await state(base, ID)).gauges[ORDERS.channelId]?.serving === 1 ? true : undefined));
    const [deadAnalytics, deadWorker] = await killWhileHolding(base, ID, ["analytics", "email-worker"], 1);
    ids.push(...((await command({ type: "publish", count: SECOND_BURST })).body.result.messageIds as string[]));

    const { ledger } = await storySettled(base, ID, ORDERS_PLACED, 40_000);
    const hops = await messageHops();
    const ofOrder = (id: string) => hops.filter((h) => h.message.traceId === id);
    const held = new Set(hops.filter((h) => h.kind === "call-started" && h.call?.side === "server" && h.to === deadServer).map((h) => h.message.id));
    expect(held.size).toBeGreaterThanOrEqual(2);
    const accepted = ORDERS_PLACED - held.size;

    // The caller learned of exactly the calls the dead server held, and of no other failure.
    const failed = hops.filter((h) => h.kind === "status" && h.call?.side === "client" && h.call.status?.code !== "OK");
    expect(new Set(failed.map((h) => h.message.id))).toEqual(held);
    expect(failed.every((h) => h.call?.status?.code === "UNAVAILABLE")).toBe(true);

    expect(ledger).toMatchObject({ unit: "order", published: ORDERS_PLACED, completed: accepted, dropped: held.size, dropReasons: { UNAVAILABLE: held.size }, lost: 0, deadLettered: 0, inFlight: 0 });
    expect(legOf(ledger, "call").calls).toEqual({ started: ORDERS_PLACED, ok: accepted, retriedThenOk: 0, retries: 0, cancelled: 0, failed: { UNAVAILABLE: held.size } });
    const analytics = legOf(ledger, "analytics");
    expect(analytics).toMatchObject({ published: accepted, completed: accepted, lost: 0, inFlight: 0 });
    // What the dead member held uncommitted, its partition's next owner read again.
    expect(analytics.redelivered).toBeGreaterThanOrEqual(1);
    const email = legOf(ledger, "email");
    expect(email).toMatchObject({ published: accepted, completed: accepted, lost: 0, inFlight: 0 });
    expect(email.redelivered).toBeGreaterThanOrEqual(1);
    expect(hops.some((h) => h.kind === "requeued" && h.from === deadWorker)).toBe(true);

    for (const id of ids) {
      const trace = ofOrder(id);
      if (held.has(id)) {
        // Never accepted: nothing went to Kafka or RabbitMQ.
        expect(trace.filter((h) => h.broker !== "grpc"), id).toEqual([]);
        continue;
      }
      expect(trace.filter((h) => h.kind === "published" && h.message.destination === EVENT_TOPIC), id).toHaveLength(1);
      expect(trace.some((h) => h.kind === "processed" && h.message.destination === ANALYTICS_GROUP), id).toBe(true);
      expect(trace.some((h) => h.kind === "acked" && h.message.destination === EMAIL_QUEUE), id).toBe(true);
      // Answered OK only once both brokers had confirmed what they were handed.
      const ok = trace.find((h) => h.kind === "status" && h.call?.side === "client");
      const confirms = trace.filter((h) => h.kind === "confirmed");
      expect(confirms.map((h) => h.broker).sort(), id).toEqual(["kafka", "rabbitmq"]);
      expect(confirms.every((h) => ok !== undefined && h.at <= ok.at && ok.message.destination === PLACE_ORDER), id).toBe(true);
    }

    // The survivor took the dead member's partitions after the rebalance.
    const all = await everyHop(base, ID);
    const killedAt = all.find((h) => h.kind === "actor-killed" && h.from === deadAnalytics)?.at ?? Infinity;
    const survivor = (await liveActors(base, ID, "analytics"))[0] ?? "";
    expect(rebalances(all, survivor).some((h) => h.at > killedAt && h.partitions?.length === EVENT_PARTITIONS)).toBe(true);
    expect(await queueDepths([EMAIL_QUEUE])).toEqual([0]);
    await waitFor("the analytics group to commit every record", async () => ((await groupLag()) === 0 ? true : undefined), 10_000, 250);
    console.log(
      `orders ${ledger.published}: completed ${ledger.completed}, dropped ${JSON.stringify(ledger.dropReasons)}; analytics redelivered ${analytics.redelivered}, duplicates ${analytics.duplicates}; emails redelivered ${email.redelivered}`,
    );
  });
});
