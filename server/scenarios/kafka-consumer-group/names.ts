import type { ChannelInfo } from "../../../lib/protocol";
import type { Namespace } from "../../brokers/namespace";

/** From the seeds: order events on a partitioned topic, read by the analytics service's group. */
export const TOPIC = "orders";
export const GROUP = "analytics-service";
export const DEFAULT_PARTITIONS = 3;
export const MAX_PARTITIONS = 12;
export { COMMIT_INTERVAL_MS } from "../shared/kafka-group-consumer";
/** Keys a publish without one cycles through; eight spread over every partition of a small topic. */
export const SAMPLE_KEYS = ["customer-1", "customer-2", "customer-3", "customer-4", "customer-5", "customer-6", "customer-7", "customer-8"] as const;

export const partitionChannelId = (partition: number) => `kafka:${TOPIC}-${partition}`;

export function partitionChannels(count: number): ChannelInfo[] {
  return Array.from({ length: count }, (_, p) => ({ id: partitionChannelId(p), label: `${TOPIC}-${p}`, kind: "partition" }));
}

/**
 * The group a consumer of `role` joins (`groupName` is the one the picture shows); a replay consumer gets a fresh group of its own. Both
 * start a partition the group never committed from its earliest offset: with "latest", a
 * consumer killed before its first commit would make the group skip that partition's records.
 */
export function groupOf(role: string, actorId: string, names: Namespace): { groupId: string; groupName: string; fromBeginning: true } {
  const groupName = role === "replay" ? `${TOPIC}-replay-${actorId}-${Date.now().toString(36)}` : GROUP;
  return { groupId: names.name(groupName), groupName, fromBeginning: true };
}
