/**
 * A member of a Redis Streams consumer group, as every scenario on Redis Streams runs one: it
 * reads new entries, keeps hold of what it works on, and claims what a dead member left pending.
 * What it does with an entry is the scenario's.
 */
import type { Redis } from "ioredis";
import type { MessageDescriptor, MessageHop } from "../../../lib/protocol";
import { replaceMe, workLoop } from "../../actors/kit";
import { describeMessage, sleep, type ActorContext } from "../../actors/runtime";
import type { Namespace } from "../../brokers/namespace";
import { createRedis, ready } from "../../brokers/redis";
import type { Fate, FateReader, FateSource, SettingSpec } from "../model";

type Entry = [id: string, fields: string[] | null];

/** A stream a group reads: the seed's name (the broker sees it namespaced) and its channel. */
export interface GroupStream {
  name: string;
  channelId: string;
}

/** An entry this member read or claimed, with Redis's count of its deliveries. */
export interface StreamJob {
  stream: GroupStream;
  entryId: string;
  fields: string[];
  deliveries: number;
}

/** How long an entry waits, pending and untouched, before a colleague may claim it: the presenter tunes it. */
export const CLAIM_AFTER_IDLE: SettingSpec = { label: "Claim after idle", unit: "ms", min: 100, max: 600_000, step: 100, default: 3_000 };

const BLOCK_MS = 1_000;
export const CLAIM_EVERY_MS = 1_000;
/**
 * Read only when nothing waits locally: every entry read is pending and its idle time runs,
 * and an entry idle long enough is fair game for another consumer's claim.
 */
const READ_AHEAD = 1;

/**
 * Re-claims an entry to the consumer that holds it, resetting its idle time (JUSTID counts no
 * delivery), and only if it still holds it: one that stalled past the idle time and lost the
 * entry to a colleague's claim must not take it back and work on it twice.
 * KEYS: the stream. ARGV: group, entry id, consumer.
 */
const RENEW_IF_MINE = `
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)[1]
if not pending or pending[2] ~= ARGV[3] then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, ARGV[2], 'JUSTID')
return 1
`;

export function field(fields: readonly string[], name: string): string | undefined {
  const at = fields.indexOf(name);
  return at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined;
}

export interface StreamGroupOptions {
  group: string;
  /** Where the group starts if this member creates it: new entries only, or the whole history. */
  from: "$" | "0";
  streams: readonly GroupStream[];
  /**
   * The destination its hops name: the group where several groups read one stream (each gets
   * every entry), the stream where one group does.
   */
  destinationOf: (job: StreamJob) => string;
}

export interface StreamGroupMember {
  /** Acks, claims, adds and scripts go over this connection; the blocking read has its own. */
  readonly commands: Redis;
  /** The stream's key in this instance's namespace. */
  keyOf(stream: GroupStream): string;
  /** The entry as a hop names it; its id, trace and payload travel in its fields. */
  describe(job: StreamJob, attempt: number, redelivered: boolean): MessageDescriptor;
  /**
   * Waits (working on the entry, or for its retry) while keeping it, so another consumer claims
   * only entries whose consumer is really gone. False once it is no longer this member's: it
   * stalled past the idle time and a colleague claimed it, so the work is the colleague's now.
   */
  hold(job: StreamJob, ms: number): Promise<boolean>;
  /** Starts reading and claiming; `work` gets one entry at a time, and must settle it. */
  consume(work: (job: StreamJob) => Promise<void>): void;
  close(): void;
}

/**
 * Joins `group` on each of its streams as this actor. Its blocking XREADGROUP has a connection
 * of its own (a blocked connection can do nothing else, and a timeout keeps it from hanging
 * across a reconnect); acks, claims and the scenario's commands go over the other.
 */
export async function joinStreamGroup(ctx: ActorContext<"minIdleMs">, options: StreamGroupOptions): Promise<StreamGroupMember> {
  const self = ctx.spec.id;
  const { group, streams } = options;
  const keyOf = (stream: GroupStream) => ctx.names.redis(stream.name);
  const commands = createRedis({ url: ctx.spec.brokerUrl, name: `${self}:commands` });
  const reader = createRedis({ url: ctx.spec.brokerUrl, name: `${self}:reader`, onConnectedChange: ctx.setConnected });
  await Promise.all([ready(commands), ready(reader)]);
  ctx.setConnections(["reader", "commands"]);

  /**
   * `afresh` after the group vanished (a restart of a Redis that keeps nothing on disk, or the
   * stream deleted): the stream holds only what was added since, and all of it is unread.
   */
  const ensureGroups = async (afresh = false) => {
    for (const stream of streams) {
      try {
        await commands.call("XGROUP", "CREATE", keyOf(stream), group, afresh ? "0" : options.from, "MKSTREAM");
      } catch (error) {
        if (!String(error).includes("BUSYGROUP")) throw error;
      }
    }
  };
  await ensureGroups();

  const describe = (job: StreamJob, attempt: number, redelivered: boolean): MessageDescriptor => {
    const id = field(job.fields, "messageId") ?? `untracked-${job.entryId}`;
    const traceId = field(job.fields, "traceId");
    const body = Buffer.from(field(job.fields, "payload") ?? "");
    return { ...describeMessage({ id, ...(traceId ? { traceId } : {}), destination: options.destinationOf(job), attempt, redelivered }, body), offset: job.entryId };
  };
  const renew = async (job: StreamJob): Promise<boolean> => {
    try {
      return (await commands.eval(RENEW_IF_MINE, 1, keyOf(job.stream), group, job.entryId, self)) === 1;
    } catch {
      // Redis unreachable: nobody can claim it meanwhile either; the ack will tell.
      return true;
    }
  };

  const hold = async (job: StreamJob, ms: number) => {
    const deadline = performance.now() + ms;
    for (;;) {
      const asked = performance.now();
      if (!(await renew(job))) return false;
      // An answer is as old as its question: paused meanwhile (a GC, a starved CPU, SIGSTOP),
      // this member may have lost the entry since Redis said it was still its own. Ask again.
      if (performance.now() - asked > ctx.settings.minIdleMs / 3) continue;
      const left = deadline - performance.now();
      if (left <= 0) return true;
      await sleep(Math.min(left, ctx.settings.minIdleMs / 3));
    }
  };

  let stopped = false;
  const consume = (work: (job: StreamJob) => Promise<void>) => {
    /** Entries taken and not yet settled: the read and claim loops wait while one is held. */
    let held = 0;
    /**
     * Wakes the read loop the moment an entry is settled. Polling for that every 20 ms capped a
     * consumer at about 50 entries a second and added up to 20 ms to every read.
     */
    let wakeReader: (() => void) | null = null;
    const settled = () =>
      new Promise<void>((resolve) => {
        wakeReader = resolve;
      });
    const perform = workLoop(async (job: StreamJob & { keep: NodeJS.Timeout | null }) => {
      if (job.keep) clearInterval(job.keep);
      try {
        // Its delivery reaches the server before any XACK can: should this consumer die between
        // an XACK and its hop, the engine knows it held the entry and asks Redis what became of it.
        await ctx.flush();
        await work(job);
      } catch (error) {
        // Left pending: a fresh member, or a colleague, claims it once it has been idle long enough.
        replaceMe(ctx, `could not finish entry ${job.entryId} of ${job.stream.name}: ${String(error)}`);
      } finally {
        held--;
        wakeReader?.();
        wakeReader = null;
      }
    });
    const take = (job: StreamJob) => {
      held++;
      // The read and the claim loop can each take one at the same moment, and one read can bring
      // one entry per stream. Those that wait here are kept like the one being worked on: left
      // idle, another consumer would claim them from a live one.
      const keep = held > 1 ? setInterval(() => void renew(job), ctx.settings.minIdleMs / 3) : null;
      perform({ ...job, keep });
    };

    const readLoop = async () => {
      const ids = streams.map(() => ">");
      while (!stopped) {
        if (held >= READ_AHEAD) {
          await settled();
          continue;
        }
        try {
          const keys = streams.map(keyOf);
          const result = (await reader.call("XREADGROUP", "GROUP", group, self, "COUNT", String(READ_AHEAD), "BLOCK", String(BLOCK_MS), "STREAMS", ...keys, ...ids)) as [string, Entry[]][] | null;
          for (const [key, entries] of result ?? []) {
            const stream = streams[keys.indexOf(key)];
            if (!stream) continue;
            for (const [entryId, fields] of entries) {
              if (!fields) continue;
              const job = { stream, entryId, fields, deliveries: 1 };
              ctx.emit({ kind: "delivered", from: stream.channelId, to: self, message: describe(job, 1, false) });
              take(job);
            }
          }
        } catch (error) {
          // After a Redis restart the group is gone: make it again and carry on.
          if (String(error).includes("NOGROUP")) await ensureGroups(true).catch(() => undefined);
          else await sleep(500);
        }
      }
    };

    /** Entries another consumer held too long (it died, most likely) become this one's. */
    const claimLoop = async () => {
      while (!stopped) {
        await sleep(CLAIM_EVERY_MS);
        for (const stream of streams) {
          // Like reads, one at a time and only when free: a claimed entry waiting here unheld
          // would go idle again and be claimed once more.
          if (held >= READ_AHEAD) break;
          try {
            const minIdle = ctx.settings.minIdleMs;
            const key = keyOf(stream);
            const [, entries] = (await commands.call("XAUTOCLAIM", key, group, self, String(minIdle), "0-0", "COUNT", String(READ_AHEAD))) as [string, Entry[]];
            for (const [entryId, fields] of entries) {
              if (!fields) continue;
              const pending = (await commands.call("XPENDING", key, group, entryId, entryId, "1")) as [string, string, number, number][];
              const job = { stream, entryId, fields, deliveries: Number(pending[0]?.[3] ?? 2) };
              ctx.emit({
                kind: "claimed",
                from: stream.channelId,
                to: self,
                // Its attempt is Redis's delivery count, so the arrow reads "claimed #2".
                message: describe(job, job.deliveries, true),
                reason: `claimed after ${minIdle} ms idle; delivery ${job.deliveries}`,
              });
              take(job);
            }
          } catch {
            // NOGROUP or a dropped connection: the read loop repairs the group; try again later.
          }
        }
      }
    };
    void readLoop();
    void claimLoop();
  };

  return {
    commands,
    keyOf,
    describe,
    hold,
    consume,
    close() {
      stopped = true;
      reader.disconnect();
      commands.disconnect();
    },
  };
}

/** A group's pending entries in all, and each consumer's share of them (its PEL), or null without the group. */
export async function pendingInGroup(redis: Redis, key: string, group: string): Promise<{ total: number; byConsumer: [consumer: string, count: number][] } | null> {
  type PendingSummary = [number, string | null, string | null, [string, string][] | null];
  const summary = (await redis.xpending(key, group).catch(() => null)) as PendingSummary | null;
  if (!summary) return null;
  return { total: summary[0], byConsumer: (summary[3] ?? []).map(([consumer, count]) => [consumer, Number(count)]) };
}

/** Past the claim loop's next pass after the idle time, and the claimed entry's hop arriving. */
const CLAIM_GRACE_MS = 1_000;
const HELD: Fate = { status: "held" };
const ACKED: Fate = { status: "acked", reason: "Redis has its XACK (no longer pending in its group); the consumer died before reporting it" };
const GROUP_GONE: Fate = { status: "gone", reason: "its consumer group is gone (Redis keeps nothing on disk here: restarted?)" };

/** Where a delivery's entry lives: the stream (the seed's name) and the group it was read in. */
export type LocateEntry = (delivery: MessageHop) => { stream: string; group: string } | null;

/**
 * What Redis did with entries a dead consumer held. An entry read in a group stays in the
 * group's pending list until XACKed: pending, it waits for a claim; no longer pending, it was
 * acked; out of the stream, it was trimmed away and nobody will read it again.
 */
export function streamGroupFates(locate: LocateEntry): (url: string, names: Namespace) => FateReader {
  return (url, names) => {
    const redis = createRedis({ url, name: "hopscope-fates", queueWhileOffline: false });
    return {
      async fates(deliveries) {
        await ready(redis);
        return Promise.all(
          deliveries.map(async (delivery): Promise<Fate> => {
            const entryId = delivery.message.offset;
            const where = locate(delivery);
            if (!entryId || !where) return HELD;
            const key = names.redis(where.stream);
            try {
              const [pending, stored] = (await Promise.all([redis.call("XPENDING", key, where.group, entryId, entryId, "1"), redis.call("XRANGE", key, entryId, entryId)])) as [unknown[], unknown[]];
              if (pending.length > 0) return stored.length > 0 ? HELD : { status: "gone", reason: `trimmed from ${where.stream} (MAXLEN) while pending: no consumer can claim it now` };
              return stored.length > 0 ? ACKED : { status: "gone", reason: `trimmed from ${where.stream} (MAXLEN) before its ack was seen` };
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
  };
}

export function streamGroupFateSource(locate: LocateEntry): FateSource {
  return {
    transport: "redis",
    open: streamGroupFates(locate),
    // By then another consumer of the group has claimed it (its hop has arrived), unless the
    // group has none left alive.
    recheckMs: (settings) => (settings.minIdleMs ?? 3_000) + CLAIM_EVERY_MS + CLAIM_GRACE_MS,
  };
}
