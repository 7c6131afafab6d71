import type { Redis } from "ioredis";
import type { MessageDescriptor } from "../../../lib/protocol";
import { outgoing } from "../../actors/kit";
import { describeMessage, now, messageIds, type ActorProgram } from "../../actors/runtime";
import { createRedis, ready } from "../../brokers/redis";
import { STREAM, STREAM_CHANNEL_ID } from "./names";

/** Entries added while MAXLEN is on, watched until trimmed; past this many, the oldest go unwatched. */
const WATCHED_ENTRIES = 50_000;

/** Stream entry ids ("ms-seq") in the stream's own order. */
export function compareEntryIds(a: string, b: string): number {
  const [aMs = 0n, aSeq = 0n] = a.split("-").map(BigInt);
  const [bMs = 0n, bSeq = 0n] = b.split("-").map(BigInt);
  return aMs === bMs ? Number(aSeq - bSeq) : aMs < bMs ? -1 : 1;
}

/** The furthest entry any group of the stream has been handed, from XINFO GROUPS. */
async function furthestRead(redis: Redis, stream: string): Promise<string | null> {
  const groups = (await redis.call("XINFO", "GROUPS", stream)) as unknown[][];
  let furthest: string | null = null;
  for (const info of groups) {
    const at = info.indexOf("last-delivered-id");
    const id = at >= 0 ? info[at + 1] : undefined;
    if (typeof id === "string" && (furthest === null || compareEntryIds(id, furthest) > 0)) furthest = id;
  }
  return furthest;
}

/** Said of what a Redis restart took: the entries and the groups' pending lists were only in memory. */
export const LOST_IN_RESTART = "gone with Redis's memory: it restarted and keeps nothing on disk";

/** Redis's run id changes with every start of the server process, and only then. */
async function runIdOf(redis: Redis): Promise<string> {
  const info = (await redis.call("INFO", "server")) as string;
  return /run_id:(\w+)/.exec(info)?.[1] ?? "";
}

const sampleTask = (n: number) => ({ taskId: `task-${n}`, title: `Follow up order ${1000 + n}`, assignee: ["ada", "grace", "linus"][n % 3] });

/** XADD answers with the entry's id: the entry is in the stream, for every group to read. */
export const redisStreamProducer: ActorProgram<"maxLen"> = async (ctx) => {
  const self = ctx.spec.id;
  const redis = createRedis({ url: ctx.spec.brokerUrl, name: self, onConnectedChange: ctx.setConnected, queueWhileOffline: false });
  await ready(redis);
  const nextId = messageIds();
  const stream = ctx.names.redis(STREAM);
  const watched = new Map<string, MessageDescriptor>();
  // Every entry added to the Redis that runs now, newest last: a restart of a Redis that keeps
  // nothing on disk takes them all, and only this producer knows which ones that were.
  let addedHere = new Map<string, MessageDescriptor>();
  let runningRedis = await runIdOf(redis);
  redis.on("ready", () => {
    void runIdOf(redis)
      .then((runId) => {
        if (runId === runningRedis) return;
        runningRedis = runId;
        const forgotten = addedHere;
        addedHere = new Map();
        watched.clear();
        // The server keeps only those still open: one acked before the restart stays acked.
        for (const message of forgotten.values()) {
          ctx.emit({ kind: "dropped", from: STREAM_CHANNEL_ID, to: STREAM_CHANNEL_ID, message, reason: LOST_IN_RESTART, forgottenByBroker: true });
        }
      })
      .catch((error: unknown) => ctx.log(`could not tell whether Redis restarted: ${String(error)}`));
  });

  /**
   * MAXLEN ~ trims the oldest entries whether or not a group has read them. One that no group
   * had been handed is lost for good, and no consumer will ever say so: this producer does.
   * One a group read is that group's to settle (and the engine asks Redis about what a dead
   * consumer held).
   */
  const reportTrimmed = async (maxLen: number) => {
    const [first] = (await redis.call("XRANGE", stream, "-", "+", "COUNT", "1")) as [string, unknown][];
    const readUpTo = await furthestRead(redis, stream);
    // Oldest first, as Redis numbers them: the first one still there ends the trimmed run.
    for (const [entryId, message] of watched) {
      if (first && compareEntryIds(entryId, first[0]) >= 0) break;
      watched.delete(entryId);
      if (readUpTo !== null && compareEntryIds(entryId, readUpTo) <= 0) continue;
      ctx.emit({ kind: "dropped", from: STREAM_CHANNEL_ID, to: STREAM_CHANNEL_ID, message, reason: `trimmed by MAXLEN ~ ${maxLen} before any group read it` });
    }
  };

  return {
    async handle(command) {
      if (command.type !== "publish") return null;
      const ids: string[] = [];
      for (const { id, body } of outgoing(command, nextId, sampleTask)) {
        const maxLen = ctx.settings.maxLen;
        const trim: string[] = maxLen > 0 ? ["MAXLEN", "~", String(maxLen)] : [];
        const publishedAt = now();
        const entryId = (await redis.call("XADD", stream, ...trim, "*", "messageId", id, "payload", body)) as string;
        const message = { ...describeMessage({ id, destination: STREAM, attempt: 1, redelivered: false }, body), offset: entryId };
        ctx.emit({ kind: "published", from: self, to: STREAM_CHANNEL_ID, message, at: publishedAt, rttMs: now() - publishedAt });
        ids.push(id);
        addedHere.set(entryId, message);
        if (addedHere.size > WATCHED_ENTRIES) addedHere.delete(addedHere.keys().next().value ?? entryId);
        if (maxLen > 0) {
          watched.set(entryId, message);
          if (watched.size > WATCHED_ENTRIES) watched.delete(watched.keys().next().value ?? entryId);
        }
      }
      const maxLen = ctx.settings.maxLen;
      if (maxLen > 0) await reportTrimmed(maxLen).catch((error: unknown) => ctx.log(`could not check what MAXLEN trimmed: ${String(error)}`));
      else watched.clear();
      return { messageIds: ids };
    },
    async close() {
      redis.disconnect();
    },
  };
};
