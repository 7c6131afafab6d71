import { createRedis, ready } from "../../brokers/redis";
import type { Namespace } from "../../brokers/namespace";
import type { GaugeReader } from "../model";
import { DLQ_CHANNEL_ID, DLQ_STREAM, GROUPS, STREAM, STREAM_CHANNEL_ID } from "./names";

type PendingSummary = [number, string | null, string | null, [string, string][] | null];

/** Stream length, each group's pending entries, and each consumer's share of them (its PEL). */
export function streamGauges(url: string, names: Namespace): GaugeReader {
  const streamKey = names.redis(STREAM);
  const deadLetters = names.redis(DLQ_STREAM);
  const redis = createRedis({ url, name: "hopscope-gauges", queueWhileOffline: false });
  return {
    async read() {
      await ready(redis);
      const gauges: Record<string, Record<string, number>> = {};
      const stream: Record<string, number> = { length: await redis.xlen(streamKey) };
      for (const group of GROUPS) {
        const summary = (await redis.xpending(streamKey, group).catch(() => null)) as PendingSummary | null;
        if (!summary) continue;
        stream[`${group.replace("-service", "")} pending`] = summary[0];
        for (const [consumer, count] of summary[3] ?? []) gauges[consumer] = { pending: Number(count) };
      }
      gauges[STREAM_CHANNEL_ID] = stream;
      gauges[DLQ_CHANNEL_ID] = { entries: await redis.xlen(deadLetters) };
      return gauges;
    },
    async close() {
      redis.disconnect();
    },
  };
}
