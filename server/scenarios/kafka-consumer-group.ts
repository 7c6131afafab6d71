import { z } from "zod";
import type { ChannelInfo, LinkInfo, LiveLayout } from "../../lib/protocol";
import { createKafka, describeGroup, partitionFigures } from "../brokers/kafka";
import type { GaugeReader, ScenarioDefinition } from "./definition";

/** From the seeds: order events on a partitioned topic, read by the analytics service's group. */
export const TOPIC = "orders";
export const GROUP = "analytics-service";
export const DEFAULT_PARTITIONS = 3;
export const MAX_PARTITIONS = 12;
/** The message id and the key's running number travel in record headers. */
export const MESSAGE_ID_HEADER = "hopscope-message-id";
export const KEY_SEQ_HEADER = "hopscope-key-seq";
/** Offsets of processed records are committed this often: what a killed consumer had processed since is read again. */
export const COMMIT_INTERVAL_MS = 1_000;
/** Kafka's minimum by default: a killed consumer leaves its group this long after its last heartbeat. */
export const SESSION_TIMEOUT_MS = 6_000;
/** Keys a publish without one cycles through; eight spread over every partition of a small topic. */
export const SAMPLE_KEYS = ["customer-1", "customer-2", "customer-3", "customer-4", "customer-5", "customer-6", "customer-7", "customer-8"] as const;

export const partitionChannelId = (partition: number) => `kafka:${TOPIC}-${partition}`;

function partitionChannels(count: number): ChannelInfo[] {
  return Array.from({ length: count }, (_, p) => ({ id: partitionChannelId(p), label: `${TOPIC}-${p}`, kind: "partition" }));
}

/**
 * The group a consumer of `role` joins; a replay consumer gets a fresh group of its own. Both
 * start a partition the group never committed from its earliest offset: with "latest", a
 * consumer killed before its first commit would make the group skip that partition's records.
 */
export function groupOf(role: string, actorId: string): { groupId: string; fromBeginning: true } {
  return { groupId: role === "replay" ? `${TOPIC}-replay-${actorId}-${Date.now().toString(36)}` : GROUP, fromBeginning: true };
}

export const kafkaConsumerGroup: ScenarioDefinition = {
  info: {
    id: "kafka-consumer-group",
    title: "Partitions and consumer groups",
    summary: `A producer sends keyed order events to the topic ${TOPIC}; a key always lands in the same partition, so its events stay in order. Consumers in group ${GROUP} split the partitions between them and commit their offsets every ${COMMIT_INTERVAL_MS / 1000} s. Kill one: after its session times out the group rebalances, and whatever it processed since its last commit is read again by the new owner. A replay group starts from the earliest offset and reads the whole history.`,
    pattern: "stream",
    broker: "kafka",
    guarantee: "at-least-once",
    roundTrip: "send → leader ack (acks=all)",
    publishLabel: "Send order event",
    checksKeyOrder: true,
    roles: [
      { name: "producer", description: `Sends keyed records to ${TOPIC}`, min: 1, max: 1, killable: false },
      { name: "consumer", description: `Member of group ${GROUP}`, min: 0, max: MAX_PARTITIONS, killable: true },
      { name: "replay", description: "A new group from the earliest offset: reads the whole history", min: 0, max: 3, killable: true },
    ],
    commands: [
      { type: "publish", description: "Send one event, or a burst of count; key picks the partition" },
      { type: "add-actor", description: "Add a consumer to the group (it rebalances), or a replay group" },
      { type: "kill-actor", description: "SIGKILL a consumer; its partitions move after its session times out" },
      { type: "set", description: "Change delayMs (work per record) or partitions (Kafka can add, never remove)" },
      { type: "reset", description: "Clear the ledger and the hop log" },
    ],
    settings: [
      { name: "delayMs", label: "Work per record", unit: "ms", min: 0, max: 10_000, step: 10 },
      { name: "partitions", label: "Partitions", unit: "", min: 1, max: MAX_PARTITIONS, step: 1 },
    ],
    channels: partitionChannels(DEFAULT_PARTITIONS),
    links: defaultLinks(DEFAULT_PARTITIONS),
    publishFields: [{ name: "key", label: "Key (empty: 8 customers in turn)", initial: "", placeholder: "customer-3" }],
  },
  programs: { producer: "kafka-producer", consumer: "kafka-consumer", replay: "kafka-consumer" },
  publisherRole: "producer",
  initialActors: [
    { role: "producer", count: 1 },
    { role: "consumer", count: 2 },
  ],
  defaults: { delayMs: 50, partitions: DEFAULT_PARTITIONS },
  settingsSchema: z
    .object({
      delayMs: z.number().int().min(0).max(60_000),
      partitions: z.number().int().min(1).max(MAX_PARTITIONS),
    })
    .partial()
    .strict(),
  completesOn: ["processed"],
  exclusiveDelivery: true,
  gauges: groupGauges,
};

/** Before the broker has been read: every partition to every consumer. */
function defaultLinks(partitions: number): LinkInfo[] {
  return partitionChannels(partitions).flatMap((c) => [
    { from: "role:producer", to: c.id },
    { from: c.id, to: "role:consumer" },
    { from: c.id, to: "role:replay" },
  ]);
}

/**
 * Per partition: log end, the group's committed offset and its lag; per consumer: its lag. The
 * layout draws each partition to the member that owns it, as the group coordinator says.
 */
function groupGauges(brokers: string): GaugeReader {
  const admin = createKafka({ brokers, clientId: "hopscope-gauges" }).admin();
  let connected: Promise<void> | null = null;
  let layout: LiveLayout | null = null;
  return {
    async read() {
      connected ??= admin.connect().catch((error: unknown) => {
        connected = null;
        throw error;
      });
      await connected;
      const [figures, group] = await Promise.all([partitionFigures(admin, TOPIC, GROUP), describeGroup(admin, TOPIC, GROUP)]);
      const gauges: Record<string, Record<string, number>> = {};
      const links: LinkInfo[] = [];
      for (const { partition, end, start, committed } of figures) {
        // Never committed: the group reads from the earliest offset, so all of it waits.
        const lag = end - (committed ?? start);
        const channel = partitionChannelId(partition);
        gauges[channel] = { end, committed: committed ?? 0, lag };
        links.push({ from: "role:producer", to: channel });
        const owner = group.owners.get(partition);
        if (owner) {
          links.push({ from: channel, to: owner });
          const member = (gauges[owner] ??= { partitions: 0, lag: 0 });
          member.partitions = (member.partitions ?? 0) + 1;
          member.lag = (member.lag ?? 0) + lag;
        }
        links.push({ from: channel, to: "role:replay" });
      }
      const rebalancing = group.state === "PreparingRebalance" || group.state === "CompletingRebalance";
      layout = {
        channels: partitionChannels(figures.length),
        links,
        caption: `group ${GROUP}: ${rebalancing ? "rebalancing…" : group.state === "Empty" || group.state === "Dead" ? "no members" : `${new Set(group.owners.values()).size} member(s) own ${group.owners.size} of ${figures.length} partitions`}`,
      };
      return gauges;
    },
    layout: () => layout,
    async close() {
      await admin.disconnect().catch(() => undefined);
    },
  };
}
