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

export const PENDING_POLL_MS = 500;
/** A Redis that is away is said so within this, rather than after its client's own retries. */
const PENDING_START_MS = 10_000;

export class RedisPendingPoller {
  private latest: StreamPending[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  private constructor(
    private readonly redis: Redis,
    private readonly streams: readonly string[],
  ) {}

  /** Reads once before it answers, so the first view already has the broker's figures. */
  static async start(url: string, streams: readonly string[]): Promise<RedisPendingPoller> {
    const redis = createRedis({ url, name: "hopscope-tap-pending", queueWhileOffline: false });
    try {
      await withTimeout(ready(redis), PENDING_START_MS, "Redis for the pending tap");
    } catch (error) {
      redis.disconnect();
      throw error;
    }
    const poller = new RedisPendingPoller(redis, streams);
    await poller.poll();
    return poller;
  }

  current(): StreamPending[] {
    return this.latest;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.redis.disconnect();
  }

  private async poll(): Promise<void> {
    try {
      const next: StreamPending[] = [];
      for (const stream of this.streams) {
        // XINFO GROUPS answers with each group's fields as a flat list of names and values.
        const groups = ((await this.redis.xinfo("GROUPS", stream).catch(() => [])) as unknown[][]).map((fields) => String(fields[fields.indexOf("name") + 1]));
        for (const group of groups) {
          const pending = await pendingInGroup(this.redis, stream, group);
          if (pending) next.push({ stream, group, pending: pending.total, byConsumer: pending.byConsumer.map(([consumer, count]) => ({ consumer, pending: count })) });
        }
      }
      this.latest = next;
    } catch {
      // Redis away for a moment: the last figures stand until it answers again.
    }
    if (!this.closed) this.timer = setTimeout(() => void this.poll(), PENDING_POLL_MS);
  }
}
