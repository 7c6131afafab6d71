/**
 * What Redis holds pending for a stream's consumer groups, read every half second: each group's
 * pending entries (read, not yet XACKed) and each consumer's share. It is a fact about the
 * broker, not a hop: a witness shows it beside what the ledger counts in flight.
 */
import type Redis from "ioredis";
import type { StreamPending } from "../../lib/crosscheck";
import { createRedis, ready } from "../brokers/redis";
import { pendingInGroup } from "../scenarios/shared/redis-stream-group";
import { withTimeout } from "../measure/timeout";
import { Every } from "./every";

export const PENDING_POLL_MS = 500;
/** A Redis that is away is said so within this, rather than after its client's own retries. */
const PENDING_START_MS = 10_000;

export class RedisPendingPoller {
  private readonly reads: Every<StreamPending[]>;

  private constructor(
    private readonly redis: Redis,
    private readonly streams: readonly string[],
  ) {
    this.reads = new Every(PENDING_POLL_MS, () => this.read(), []);
  }

  static async start(url: string, streams: readonly string[]): Promise<RedisPendingPoller> {
    const redis = createRedis({ url, name: "hopscope-tap-pending", queueWhileOffline: false });
    try {
      await withTimeout(ready(redis), PENDING_START_MS, "Redis for the pending tap");
    } catch (error) {
      redis.disconnect();
      throw error;
    }
    const poller = new RedisPendingPoller(redis, streams);
    await poller.reads.start();
    return poller;
  }

  current(): StreamPending[] {
    return this.reads.current();
  }

  close(): void {
    this.reads.stop();
    this.redis.disconnect();
  }

  private async read(): Promise<StreamPending[]> {
    const next: StreamPending[] = [];
    for (const stream of this.streams) {
      // XINFO GROUPS answers with each group's fields as a flat list of names and values.
      const groups = ((await this.redis.xinfo("GROUPS", stream).catch(() => [])) as unknown[][]).map((fields) => String(fields[fields.indexOf("name") + 1]));
      for (const group of groups) {
        const pending = await pendingInGroup(this.redis, stream, group);
        if (pending) next.push({ stream, group, pending: pending.total, byConsumer: pending.byConsumer.map(([consumer, count]) => ({ consumer, pending: count })) });
      }
    }
    return next;
  }
}
