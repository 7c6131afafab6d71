import type { Admin } from "kafkajs";
import type { LiveLayout } from "../../../lib/protocol";
import { createKafka, partitionFigures } from "../../brokers/kafka";
import type { Namespace } from "../../brokers/namespace";
import { createRedis, ready } from "../../brokers/redis";
import type { Config } from "../../config";
import type { GaugeReader } from "../model";
import { CHANNELS, LINKS } from "./layout";
import { PROJECTOR_GROUP, READ_MODEL, READ_MODEL_CHANNEL_ID, TOPIC, TOPIC_CHANNEL_ID, VERSION_FIELD, WRITTEN_AT_FIELD } from "./names";

/** How far back the write time of an event is looked for when the read model holds none yet. */
const SEARCH_WINDOW_MS = 24 * 60 * 60 * 1_000;

/**
 * When the event at `offset` was written. Kafka looks offsets up by time, not times by offset,
 * so the time is narrowed down by halves between `after` (no later than it) and now: about 20
 * look-ups, made once per offset. Timestamps only grow, as one command service writes them.
 */
async function writeTimeOf(admin: Admin, topic: string, offset: number, after: number): Promise<number> {
  const firstAt = async (timestamp: number) => Number((await admin.fetchTopicOffsetsByTimestamp(topic, timestamp))[0]?.offset ?? 0);
  let low = after;
  let high = Date.now() + 1;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if ((await firstAt(middle)) <= offset) low = middle;
    else high = middle;
  }
  return low;
}

/** How far the read side is behind the write side, in events and in milliseconds. */
export interface Lag {
  written: number;
  version: number;
  events: number;
  ms: number;
}

export function lagCaption({ written, version, events, ms }: Lag): string {
  if (events === 0) return `read model up to date: v${version} of v${written}`;
  return `read side ${events} event${events === 1 ? "" : "s"} and ${(ms / 1000).toFixed(1)} s behind the write side (v${version} of v${written})`;
}

/**
 * The write side's version (the event store's log end) against the read side's (the version
 * the read model has reached), and the age of the oldest event not projected yet.
 */
export function projectionGauges(brokers: string, names: Namespace, urls: Config["urls"]): GaugeReader {
  const topic = names.name(TOPIC);
  const admin = createKafka({ brokers, clientId: "hopscope-gauges" }).admin();
  const redis = createRedis({ url: urls.redis, name: "hopscope-gauges", queueWhileOffline: false });
  let connected: Promise<void> | null = null;
  let layout: LiveLayout | null = null;
  /** The write time of the first event the read model lacks, found once per version. */
  let oldest: { offset: number; at: number } | null = null;
  return {
    async read() {
      connected ??= admin.connect().catch((error: unknown) => {
        connected = null;
        throw error;
      });
      await Promise.all([connected, ready(redis)]);
      const [[figures], [version, writtenAt]] = await Promise.all([partitionFigures(admin, topic, names.name(PROJECTOR_GROUP)), redis.hmget(names.redis(READ_MODEL), VERSION_FIELD, WRITTEN_AT_FIELD)]);
      const written = figures?.end ?? 0;
      const projected = Number(version ?? 0);
      const events = Math.max(0, written - projected);
      let ms = 0;
      if (events > 0) {
        // The event at offset `projected` is the first the read model lacks.
        if (oldest?.offset !== projected) oldest = { offset: projected, at: await writeTimeOf(admin, topic, projected, writtenAt ? Number(writtenAt) : Date.now() - SEARCH_WINDOW_MS) };
        ms = Math.max(0, Date.now() - oldest.at);
      }
      const lag = { written, version: projected, events, ms: Math.round(ms) };
      layout = { channels: CHANNELS, links: LINKS, caption: lagCaption(lag) };
      return {
        [TOPIC_CHANNEL_ID]: { written, committed: figures?.committed ?? 0 },
        [READ_MODEL_CHANNEL_ID]: { version: projected, behind: events, "behind ms": lag.ms },
      };
    },
    layout: () => layout,
    async close() {
      await admin.disconnect().catch(() => undefined);
      redis.disconnect();
    },
  };
}
