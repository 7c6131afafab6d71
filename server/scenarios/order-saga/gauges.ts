import { createRedis, ready } from "../../brokers/redis";
import type { Namespace } from "../../brokers/namespace";
import type { GaugeReader } from "../model";
import { pendingInGroup } from "../shared/redis-stream-group";
import { channelIdOf, EVENTS, READER } from "./names";

/** Each stream's length and what its group has pending; each member's pending across its streams. */
export function sagaGauges(url: string, names: Namespace): GaugeReader {
  const redis = createRedis({ url, name: "hopscope-gauges", queueWhileOffline: false });
  return {
    async read() {
      await ready(redis);
      const gauges: Record<string, Record<string, number>> = {};
      for (const event of EVENTS) {
        const key = names.redis(event);
        const pending = await pendingInGroup(redis, key, READER[event]);
        gauges[channelIdOf(event)] = { length: await redis.xlen(key), pending: pending?.total ?? 0 };
        for (const [consumer, count] of pending?.byConsumer ?? []) gauges[consumer] = { pending: (gauges[consumer]?.pending ?? 0) + count };
      }
      return gauges;
    },
    async close() {
      redis.disconnect();
    },
  };
}
