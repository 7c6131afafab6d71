import { createRedis, ready } from "../../brokers/redis";
import type { Namespace } from "../../brokers/namespace";
import type { GaugeReader } from "../model";
import { pendingInGroup } from "../shared/redis-stream-group";
import { DLQ_CHANNEL_ID, DLQ_STREAM, GROUPS, STREAM, STREAM_CHANNEL_ID } from "./names";

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
        const pending = await pendingInGroup(redis, streamKey, group);
        if (!pending) continue;
        stream[`${group.replace("-service", "")} pending`] = pending.total;
        for (const [consumer, count] of pending.byConsumer) gauges[consumer] = { pending: count };
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
