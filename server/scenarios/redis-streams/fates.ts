import type { Namespace } from "../../brokers/namespace";
import { createRedis, ready } from "../../brokers/redis";
import type { Fate, FateReader, FateSource } from "../model";
import { CLAIM_EVERY_MS } from "./consumer";
import { STREAM } from "./names";

/** Past the claim loop's next pass after the idle time, and the claimed entry's hop arriving. */
const CLAIM_GRACE_MS = 1_000;

const HELD: Fate = { status: "held" };
const ACKED: Fate = { status: "acked", reason: "Redis has its XACK (no longer pending in its group); the consumer died before reporting it" };
const TRIMMED_WHILE_PENDING: Fate = { status: "gone", reason: `trimmed from ${STREAM} (MAXLEN) while pending: no consumer can claim it now` };
const TRIMMED: Fate = { status: "gone", reason: `trimmed from ${STREAM} (MAXLEN) before its ack was seen` };
const GROUP_GONE: Fate = { status: "gone", reason: "its consumer group is gone (Redis keeps nothing on disk here: restarted?)" };

/**
 * What Redis did with entries a dead consumer held. An entry read in a group stays in the
 * group's pending list until XACKed: pending, it waits for a claim; no longer pending, it was
 * acked; out of the stream, it was trimmed away and nobody will read it again.
 */
export function redisStreamFates(url: string, names: Namespace): FateReader {
  const stream = names.redis(STREAM);
  const redis = createRedis({ url, name: "hopscope-fates", queueWhileOffline: false });
  return {
    async fates(deliveries) {
      await ready(redis);
      return Promise.all(
        deliveries.map(async (delivery): Promise<Fate> => {
          const entryId = delivery.message.offset;
          // Each group reads the stream for itself: the destination names the group.
          const group = delivery.message.destination;
          if (!entryId) return HELD;
          try {
            const [pending, stored] = (await Promise.all([redis.call("XPENDING", stream, group, entryId, entryId, "1"), redis.call("XRANGE", stream, entryId, entryId)])) as [unknown[], unknown[]];
            if (pending.length > 0) return stored.length > 0 ? HELD : TRIMMED_WHILE_PENDING;
            return stored.length > 0 ? ACKED : TRIMMED;
          } catch (error) {
            return String(error).includes("NOGROUP") ? GROUP_GONE : HELD;
          }
        }),
      );
    },
    async close() {
      redis.disconnect();
    },
  };
}

export const redisStreamFateSource: FateSource = {
  transport: "redis",
  open: redisStreamFates,
  // By then another consumer of the group has claimed it (its hop has arrived), unless the
  // group has none left alive.
  recheckMs: (settings) => (settings.minIdleMs ?? 3_000) + CLAIM_EVERY_MS + CLAIM_GRACE_MS,
};
