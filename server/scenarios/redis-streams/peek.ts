import type { Redis } from "ioredis";
import type { PeekStream } from "../../../lib/protocol";
import { createRedis, ready } from "../../brokers/redis";
import type { Namespace } from "../../brokers/namespace";
import type { PeekReader, PeekSource } from "../model";
import { field } from "../shared/redis-stream-group";
import { DLQ_CHANNEL_ID, DLQ_STREAM, STREAM, STREAM_CHANNEL_ID } from "./names";

const PREVIEW_CHARS = 160;
/** A replay consumer adds a group per member; the panel shows this many. */
const MAX_GROUPS = 16;

type Entry = [id: string, fields: string[]];
type Pending = [id: string, consumer: string, idleMs: number, deliveries: number];

/** Stream ids in stream order: milliseconds, then the sequence within them. */
function compareIds(a: string, b: string): number {
  const [am = "0", as = "0"] = a.split("-");
  const [bm = "0", bs = "0"] = b.split("-");
  const ms = BigInt(am) - BigInt(bm);
  return ms !== 0n ? (ms < 0n ? -1 : 1) : Number(BigInt(as) - BigInt(bs));
}

/** XINFO GROUPS answers each group as a flat list of names and values. */
function groupsOf(reply: unknown): { name: string; pending: number; lastDeliveredId: string }[] {
  if (!Array.isArray(reply)) return [];
  return reply.slice(0, MAX_GROUPS).map((flat: unknown[]) => {
    const get = (name: string) => flat[flat.indexOf(name) + 1];
    return { name: String(get("name")), pending: Number(get("pending") ?? 0), lastDeliveredId: String(get("last-delivered-id") ?? "0-0") };
  });
}

function describeEntry([id, fields]: Entry, pending: PeekStream["entries"][number]["pending"]): PeekStream["entries"][number] {
  const payload = field(fields, "payload") ?? fields.join(" ");
  return {
    id,
    messageId: field(fields, "messageId")?.slice(0, 128) ?? null,
    preview: payload.length > PREVIEW_CHARS ? `${payload.slice(0, PREVIEW_CHARS - 1)}…` : payload,
    pending,
  };
}

/**
 * Only reads: XINFO, XRANGE, XREVRANGE and XPENDING change nothing, not even an entry's idle
 * time (XPENDING reports it; only a read or a claim resets it).
 */
async function peekStream(redis: Redis, key: string, limit: number): Promise<{ length: number; groups: PeekStream["groups"]; entries: PeekStream["entries"] }> {
  const length = await redis.xlen(key);
  // No such key: nothing was ever added (or Redis restarted), and there are no groups to ask.
  const groups = length > 0 || (await redis.exists(key)) ? groupsOf(await redis.xinfo("GROUPS", key).catch(() => [])) : [];
  const pendingBy = new Map<string, PeekStream["entries"][number]["pending"]>();
  for (const group of groups) {
    // The extended form: one row per pending entry, with its consumer, idle time and deliveries.
    const rows = (await redis.xpending(key, group.name, "-", "+", limit)) as Pending[];
    for (const [id, consumer, idleMs, deliveries] of rows) {
      const list = pendingBy.get(id) ?? [];
      list.push({ group: group.name, consumer, idleMs: Number(idleMs), deliveries: Number(deliveries) });
      pendingBy.set(id, list);
    }
  }
  const newest = ((await redis.xrevrange(key, "+", "-", "COUNT", limit)) as Entry[]).reverse();
  const byId = new Map(newest.map((entry) => [entry[0], entry]));
  const missing = [...pendingBy.keys()].filter((id) => !byId.has(id));
  if (missing.length > 0) {
    const pipeline = redis.pipeline();
    for (const id of missing) pipeline.xrange(key, id, id);
    for (const [error, rows] of (await pipeline.exec()) ?? []) {
      const entry = !error && Array.isArray(rows) ? (rows[0] as Entry | undefined) : undefined;
      if (entry) byId.set(entry[0], entry);
    }
  }
  // Pending entries first in importance, so the cap never hides what a claim would take.
  const ids = [...byId.keys()].sort(compareIds);
  const kept = ids.filter((id) => pendingBy.has(id)).slice(0, limit);
  const rest = ids.filter((id) => !pendingBy.has(id)).slice(-limit);
  const entries = [...kept, ...rest].sort(compareIds).map((id) => describeEntry(byId.get(id) as Entry, pendingBy.get(id) ?? []));
  return { length, groups, entries };
}

export function streamPeek(url: string, names: Namespace, settings: () => Record<string, number>): PeekReader {
  const redis = createRedis({ url, name: "hopscope-peek", queueWhileOffline: false });
  return {
    async peek(target, limit) {
      await ready(redis);
      const dlq = target === "dlq";
      const { length, groups, entries } = await peekStream(redis, names.redis(dlq ? DLQ_STREAM : STREAM), limit);
      return {
        kind: "stream",
        target,
        label: dlq ? DLQ_STREAM : STREAM,
        at: Date.now(),
        method: "XINFO GROUPS, XPENDING (extended form), XREVRANGE and XRANGE: reads that change nothing, not even an entry's idle time",
        length,
        claimableAfterMs: dlq ? null : (settings().minIdleMs ?? null),
        groups,
        entries,
      } satisfies PeekStream;
    },
    async close() {
      redis.disconnect();
    },
  };
}

export const streamPeekSource: PeekSource = {
  transport: "redis",
  targets: [
    { id: "stream", label: STREAM, channel: STREAM_CHANNEL_ID },
    { id: "dlq", label: DLQ_STREAM, channel: DLQ_CHANNEL_ID },
  ],
  open: streamPeek,
};
