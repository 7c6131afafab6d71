import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isMessageHop, type ActorHop, type Hop, type MessageHop } from "../../lib/protocol";
import type { Hopscope } from "../../server/app";
import { createKafka, describeGroup, partitionFigures } from "../../server/brokers/kafka";
import { loadConfig } from "../../server/config";
import { GROUP, partitionChannelId, TOPIC } from "../../server/scenarios/kafka-consumer-group/names";
import { api, everyHop as everyHopOf, startHopscope, state, testNames, waitFor } from "./harness";

/** As the broker knows them: in the suite's namespace. */
const topic = testNames.name(TOPIC);
const groupId = testNames.name(GROUP);

const ID = "kafka-consumer-group";
const BROKERS = loadConfig(process.env).urls.kafka;
const admin = createKafka({ brokers: BROKERS, clientId: "hopscope-test" }).admin();
let hopscope: Hopscope;
let base: string;

const command = (body: unknown) => api<{ ok: boolean; result: Record<string, unknown> }>(base, "POST", `/api/scenarios/${ID}/commands`, body);

const everyHop = () => everyHopOf(base, ID);

const messageHops = (hops: readonly Hop[]) => hops.filter(isMessageHop);

/** Messages processed in `group`, each with how many times. */
function processedCounts(hops: readonly MessageHop[], group: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const h of hops) if (h.kind === "processed" && h.message.destination === group) counts.set(h.message.id, (counts.get(h.message.id) ?? 0) + 1);
  return counts;
}

beforeAll(async () => {
  await admin.connect();
  // A clean topic and group: the history of earlier runs would be read again by a new group.
  const topics = await admin.listTopics();
  if (topics.includes(topic)) {
    await admin.deleteTopics({ topics: [topic], timeout: 10_000 });
    await waitFor("the topic to be gone", async () => (!(await admin.listTopics()).includes(topic) ? true : undefined), 20_000, 200);
  }
  await admin.deleteGroups([groupId]).catch(() => undefined);
  ({ hopscope, base } = await startHopscope());
  expect((await api(base, "POST", `/api/scenarios/${ID}/start`)).status).toBe(200);
});
afterAll(async () => {
  await hopscope?.close();
  await admin.disconnect();
});

describe("kafka-consumer-group against a real Kafka", () => {
  test("partitions can be added, never removed: a smaller count is refused and changes nothing", async () => {
    const refused = await command({ type: "set", partitions: 2 });
    expect(refused.status).toBe(409);
    expect(JSON.stringify(refused.body)).toContain("has 3; Kafka can add partitions to a topic, never remove them");
    expect((await state(base, ID)).settings.partitions).toBe(3);
    expect((await command({ type: "set", partitions: 3 })).status).toBe(200);
  });

  test("a key always lands in the same partition", async () => {
    const result = (await command({ type: "publish", count: 6, key: "customer-42" })).body.result;
    const partitions = result.partitions as number[];
    expect(new Set(partitions).size).toBe(1);
    const hops = messageHops(await waitFor("6 confirms", async () => {
      const all = await everyHop();
      return messageHops(all).filter((h) => h.kind === "confirmed" && h.message.key === "customer-42").length === 6 ? all : undefined;
    }));
    const confirms = hops.filter((h) => h.kind === "confirmed" && h.message.key === "customer-42");
    expect(new Set(confirms.map((h) => h.from))).toEqual(new Set([partitionChannelId(partitions[0]!)]));
    // Offsets within the partition follow the send order.
    const offsets = confirms.map((h) => Number(h.message.offset));
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  });

  test("1,000 keyed messages, 3 consumers, 3 SIGKILLs: nothing lost, duplicates counted, every rebalance seen, per-key order holds", { timeout: 240_000 }, async () => {
    await command({ type: "set", delayMs: 15 });
    expect((await command({ type: "add-actor", role: "consumer" })).status).toBe(200);
    // Three members own the three partitions before the load arrives.
    await waitFor("three members to own every partition", async () => {
      const group = await describeGroup(admin, topic, groupId);
      return group.state === "Stable" && new Set(group.owners.values()).size === 3 ? true : undefined;
    }, 30_000, 200);
    await command({ type: "reset" });
    const ids = (await command({ type: "publish", count: 1000 })).body.result.messageIds as string[];
    expect(ids).toHaveLength(1000);

    for (let kill = 0; kill < 3; kill++) {
      // A member in the middle of its partitions: it has processed records since its last commit.
      const victim = await waitFor("a consumer at work", async () => {
        const [s, hops] = await Promise.all([state(base, ID), everyHop()]);
        const busy = new Set(messageHops(hops).filter((h) => h.kind === "processed").slice(-30).map((h) => h.from));
        return s.actors.find((a) => a.role === "consumer" && a.alive && busy.has(a.id));
      }, 60_000, 100);
      expect((await command({ type: "kill-actor", actorId: victim.id })).status).toBe(200);
      expect((await command({ type: "add-actor", role: "consumer" })).status).toBe(200);
      // The victim's partitions move once its session ends: wait for the group to settle on live members.
      await waitFor("the group to rebalance without the victim", async () => {
        const group = await describeGroup(admin, topic, groupId);
        const owners = new Set(group.owners.values());
        return group.state === "Stable" && !owners.has(victim.id) && group.owners.size === 3 ? true : undefined;
      }, 45_000, 200);
    }

    await waitFor("every message processed", async () => ((await state(base, ID)).ledger.completed === 1000 ? true : undefined), 90_000, 250);
    // And committed: the group's lag reaches zero by Kafka's own offsets.
    await waitFor("the group's lag to reach 0", async () => ((await partitionFigures(admin, topic, groupId)).every((p) => p.committed === p.end) ? true : undefined), 30_000, 250);

    const hops = await everyHop();
    const moving = messageHops(hops);
    const ledger = (await state(base, ID)).ledger;
    expect(ledger).toMatchObject({ published: 1000, completed: 1000, lost: 0, inFlight: 0, outOfOrder: 0 });

    // Duplicates: records processed again by the new owner, counted the same way from the hops.
    const counts = processedCounts(moving, GROUP);
    expect(ids.every((id) => (counts.get(id) ?? 0) >= 1)).toBe(true);
    const twice = [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
    expect(ledger.duplicates).toBe(twice);
    expect(twice).toBeGreaterThan(0);
    // Each was read again after a kill, by another member, and is drawn as a redelivery.
    const redeliveries = moving.filter((h) => h.kind === "redelivered" && h.message.destination === GROUP);
    expect(redeliveries.length).toBeGreaterThanOrEqual(twice);
    expect(redeliveries.every((h) => h.message.redelivered)).toBe(true);

    // Every kill is followed by a rebalance hop from a surviving member.
    const rebalances = hops.filter((h): h is ActorHop => h.kind === "rebalanced");
    const killHops = hops.filter((h): h is ActorHop => h.kind === "actor-killed");
    expect(killHops).toHaveLength(3);
    for (const k of killHops) {
      expect(rebalances.some((r) => r.at > k.at && r.from !== k.from)).toBe(true);
    }
    expect(rebalances.every((r) => Array.isArray(r.partitions))).toBe(true);

    // Per-key order within each partition, checked from the hops on their own: a key's first
    // processing follows the producer's numbering.
    const seen = new Set<string>();
    const high = new Map<string, number>();
    for (const h of moving) {
      if (h.kind !== "processed" || h.message.destination !== GROUP || seen.has(h.message.id)) continue;
      seen.add(h.message.id);
      const key = `${h.message.partition}|${h.message.key}`;
      expect(h.message.keySeq ?? 0).toBeGreaterThan(high.get(key) ?? 0);
      high.set(key, h.message.keySeq ?? 0);
    }
  });

  test("a replay group from the earliest offset receives every message again", async () => {
    const hopsBefore = messageHops(await everyHop());
    const published = new Set(hopsBefore.filter((h) => h.kind === "published").map((h) => h.message.id));
    expect(published.size).toBe(1000);
    expect((await command({ type: "add-actor", role: "replay" })).status).toBe(200);
    const replay = await waitFor("the replay group to read every message", async () => {
      const hops = messageHops(await everyHop());
      const replayed = new Set(hops.filter((h) => h.kind === "processed" && h.message.destination.startsWith(`${TOPIC}-replay-`)).map((h) => h.message.id));
      return [...published].every((id) => replayed.has(id)) ? hops : undefined;
    }, 60_000, 500);
    // Its reads are first deliveries in its own group, not redeliveries of the other group's.
    const replayDeliveries = replay.filter((h) => h.message.destination.startsWith(`${TOPIC}-replay-`) && (h.kind === "delivered" || h.kind === "redelivered"));
    expect(replayDeliveries.filter((h) => h.kind === "redelivered")).toHaveLength(0);
    expect((await state(base, ID)).ledger).toMatchObject({ lost: 0, outOfOrder: 0 });
  });
});
