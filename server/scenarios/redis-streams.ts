import { z } from "zod";
import { createRedis, ready } from "../brokers/redis";
import type { GaugeReader, ScenarioDefinition } from "./definition";

/** From the seeds: task events, read by two services, each its own consumer group. */
export const STREAM = "tasks:created";
export const DLQ_STREAM = "tasks:created:dlq";
export const GROUPS = ["email-service", "analytics-service"] as const;
export const STREAM_CHANNEL_ID = `redis:${STREAM}`;
export const DLQ_CHANNEL_ID = `redis:${DLQ_STREAM}`;
/** Waits before the 2nd, 3rd and 4th attempt; after the 4th failure the entry is parked. */
export const RETRY_BACKOFF_MS = [100, 400, 900] as const;
export const DEAD_LETTER_REASON = `failed ${RETRY_BACKOFF_MS.length + 1} attempts`;

export const redisStreams: ScenarioDefinition = {
  info: {
    id: "redis-streams",
    title: "Streams and consumer groups",
    summary:
      "A producer XADDs task events to tasks:created. Two consumer groups, email-service and analytics-service, each get every entry; within a group each entry goes to one consumer, which XACKs it when done. A killed consumer's pending entries are claimed by another after a minimum idle time. Failing entries are retried after 100, 400 and 900 ms, then moved to tasks:created:dlq. This Redis keeps nothing on disk: a restart loses the stream, its groups and their pending entries.",
    pattern: "stream",
    broker: "redis",
    guarantee: "at-least-once",
    roundTrip: "XADD → Redis answer",
    publishLabel: "Add task",
    roles: [
      { name: "producer", description: `XADDs to ${STREAM}`, min: 1, max: 1, killable: false },
      { name: "email-service", description: "Consumer in group email-service", min: 0, max: 6, killable: true },
      { name: "analytics-service", description: "Consumer in group analytics-service", min: 0, max: 6, killable: true },
      { name: "replay", description: "A new group created from 0: it reads the whole history", min: 0, max: 3, killable: true },
    ],
    commands: [
      { type: "publish", description: "Add one task, or a burst of count" },
      { type: "add-actor", description: "Add a consumer to a group, or a replay group" },
      { type: "kill-actor", description: "SIGKILL a consumer; its pending entries wait for a claim" },
      { type: "set", description: "Change delayMs, failRate, minIdleMs (claim after) or maxLen (XTRIM ~, 0 = off)" },
      { type: "reset", description: "Clear the ledger and the hop log" },
    ],
    settings: [
      { name: "delayMs", label: "Work per entry", unit: "ms", min: 0, max: 10_000, step: 10 },
      { name: "failRate", label: "Failure rate", unit: "0–1", min: 0, max: 1, step: 0.1 },
      { name: "minIdleMs", label: "Claim after idle", unit: "ms", min: 100, max: 60_000, step: 100 },
      { name: "maxLen", label: "MAXLEN ~ (0 = off)", unit: "", min: 0, max: 1_000_000, step: 100 },
    ],
    channels: [
      { id: STREAM_CHANNEL_ID, label: STREAM, kind: "stream" },
      { id: DLQ_CHANNEL_ID, label: DLQ_STREAM, kind: "dead-letter stream", column: "sink" },
    ],
    links: [
      { from: "role:producer", to: STREAM_CHANNEL_ID },
      ...GROUPS.map((g) => ({ from: STREAM_CHANNEL_ID, to: `role:${g}`, label: g })),
      { from: STREAM_CHANNEL_ID, to: "role:replay" },
      ...GROUPS.map((g) => ({ from: `role:${g}`, to: DLQ_CHANNEL_ID })),
    ],
  },
  programs: { producer: "redis-stream-producer", "email-service": "redis-stream-consumer", "analytics-service": "redis-stream-consumer", replay: "redis-stream-consumer" },
  publisherRole: "producer",
  initialActors: [
    { role: "producer", count: 1 },
    { role: "email-service", count: 2 },
    { role: "analytics-service", count: 1 },
  ],
  defaults: { delayMs: 100, failRate: 0, minIdleMs: 3_000, maxLen: 0 },
  settingsSchema: z
    .object({
      delayMs: z.number().int().min(0).max(60_000),
      failRate: z.number().min(0).max(1),
      minIdleMs: z.number().int().min(100).max(600_000),
      maxLen: z.number().int().min(0).max(10_000_000),
    })
    .partial()
    .strict(),
  gauges: streamGauges,
};

/** The group a consumer of `role` reads in; a replay consumer gets a fresh group of its own. */
export function groupOf(role: string, actorId: string): { group: string; from: "$" | "0" } {
  return role === "replay" ? { group: `replay-${actorId}`, from: "0" } : { group: role, from: "$" };
}

type PendingSummary = [number, string | null, string | null, [string, string][] | null];

/** Stream length, each group's pending entries, and each consumer's share of them (its PEL). */
function streamGauges(url: string): GaugeReader {
  const redis = createRedis({ url, name: "hopscope-gauges", queueWhileOffline: false });
  return {
    async read() {
      await ready(redis);
      const gauges: Record<string, Record<string, number>> = {};
      const stream: Record<string, number> = { length: await redis.xlen(STREAM) };
      for (const group of GROUPS) {
        const summary = (await redis.xpending(STREAM, group).catch(() => null)) as PendingSummary | null;
        if (!summary) continue;
        stream[`${group.replace("-service", "")} pending`] = summary[0];
        for (const [consumer, count] of summary[3] ?? []) gauges[consumer] = { pending: Number(count) };
      }
      gauges[STREAM_CHANNEL_ID] = stream;
      gauges[DLQ_CHANNEL_ID] = { entries: await redis.xlen(DLQ_STREAM) };
      return gauges;
    },
    async close() {
      redis.disconnect();
    },
  };
}
