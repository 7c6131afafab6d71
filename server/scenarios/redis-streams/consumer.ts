import { workLoop } from "../../actors/kit";
import { describeMessage, listening, sleep, type ActorProgram } from "../../actors/runtime";
import { createRedis, ready } from "../../brokers/redis";
import { DEAD_LETTER_REASON, DLQ_CHANNEL_ID, DLQ_STREAM, groupOf, RETRY_BACKOFF_MS, STREAM, STREAM_CHANNEL_ID } from "./names";

type Entry = [id: string, fields: string[] | null];
/** An entry this consumer read or claimed, with Redis's count of its deliveries. */
type Job = { entryId: string; fields: string[]; deliveries: number };
/** A job, and while it waits behind another, the timer that keeps it this consumer's. */
type Held = Job & { keep: NodeJS.Timeout | null };

const BLOCK_MS = 1_000;
export const CLAIM_EVERY_MS = 1_000;
/**
 * Read only when nothing waits locally: every entry read is pending and its idle time runs,
 * and an entry idle long enough is fair game for another consumer's claim.
 */
const READ_AHEAD = 1;

function field(fields: string[], name: string): string | undefined {
  const at = fields.indexOf(name);
  return at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined;
}

/**
 * One consumer of a group. Its blocking XREADGROUP has a connection of its own (a blocked
 * connection can do nothing else, and a timeout keeps it from hanging across a reconnect);
 * acks, claims and dead letters go over the other.
 */
export const redisStreamConsumer: ActorProgram<"delayMs" | "failRate" | "minIdleMs"> = async (ctx) => {
  const self = ctx.spec.id;
  const { group, from } = groupOf(ctx.spec.role, self);
  const stream = ctx.names.redis(STREAM);
  const deadLetters = ctx.names.redis(DLQ_STREAM);
  const commands = createRedis({ url: ctx.spec.brokerUrl, name: `${self}:commands` });
  const reader = createRedis({ url: ctx.spec.brokerUrl, name: `${self}:reader`, onConnectedChange: ctx.setConnected });
  await Promise.all([ready(commands), ready(reader)]);
  ctx.setConnections(["reader", "commands"]);

  /**
   * `afresh` after the group vanished (a restart of a Redis that keeps nothing on disk, or the
   * stream deleted): the stream holds only what was added since, and all of it is unread.
   */
  const ensureGroup = async (afresh = false) => {
    try {
      await commands.call("XGROUP", "CREATE", stream, group, afresh ? "0" : from, "MKSTREAM");
    } catch (error) {
      if (!String(error).includes("BUSYGROUP")) throw error;
    }
  };
  await ensureGroup();

  const describe = (entryId: string, fields: string[], attempt: number, redelivered: boolean) => {
    const id = field(fields, "messageId") ?? `untracked-${entryId}`;
    return { ...describeMessage({ id, destination: group, attempt, redelivered }, Buffer.from(field(fields, "payload") ?? "")), offset: entryId };
  };

  /**
   * Waits (working on the entry, or for its retry) while keeping it: re-claiming it to itself
   * resets its idle time (JUSTID counts no delivery), so another consumer claims only entries
   * whose consumer is really gone.
   */
  const holdWhileWaiting = async (entryId: string, ms: number) => {
    if (ms <= 0) return;
    const deadline = performance.now() + ms;
    for (;;) {
      await commands.call("XCLAIM", stream, group, self, "0", entryId, "JUSTID").catch(() => undefined);
      const left = deadline - performance.now();
      if (left <= 0) return;
      await sleep(Math.min(left, ctx.settings.minIdleMs / 3));
    }
  };

  const process_ = async (entryId: string, fields: string[], deliveries: number) => {
    for (let attempt = 1; ; attempt++) {
      await holdWhileWaiting(entryId, ctx.settings.delayMs);
      const message = describe(entryId, fields, attempt, deliveries > 1);
      if (Math.random() >= ctx.settings.failRate) {
        await commands.xack(stream, group, entryId);
        ctx.emit({ kind: "acked", from: self, to: STREAM_CHANNEL_ID, message });
        return;
      }
      const backoff = RETRY_BACKOFF_MS[attempt - 1];
      if (backoff === undefined) {
        // Parked with where it came from, then acked so the group's PEL lets go of it. Reported
        // before the ack: acked, the entry would leave the PEL, and a hop lost to a kill after
        // that would leave it in flight for good. Killed before the ack, it is claimed again.
        await commands.xadd(deadLetters, "*", ...fields, "originalId", entryId, "group", group, "error", DEAD_LETTER_REASON);
        ctx.emit({ kind: "dead-lettered", from: self, to: DLQ_CHANNEL_ID, message, reason: DEAD_LETTER_REASON });
        await ctx.flush();
        await commands.xack(stream, group, entryId);
        return;
      }
      ctx.emit({ kind: "nacked", from: self, to: STREAM_CHANNEL_ID, message, reason: `attempt ${attempt} failed; retry in ${backoff} ms` });
      await holdWhileWaiting(entryId, backoff);
      ctx.emit({ kind: "retry", from: self, to: self, message: describe(entryId, fields, attempt + 1, deliveries > 1), reason: `after ${backoff} ms` });
    }
  };

  /** Entries taken and not yet acked or parked: the read and claim loops wait while one is held. */
  let held = 0;
  const work = workLoop(async (job: Held) => {
    if (job.keep) clearInterval(job.keep);
    try {
      // Its delivery reaches the server before any XACK can: should this consumer die between
      // an XACK and its hop, the engine knows it held the entry and asks Redis what became of it.
      await ctx.flush();
      await process_(job.entryId, job.fields, job.deliveries);
    } finally {
      held--;
    }
  });
  const take = (job: Job) => {
    held++;
    // The read and the claim loop can each take one at the same moment. The second waits here,
    // kept like the one being worked on: left idle, another consumer would claim it from a live one.
    const keep = held > 1 ? setInterval(() => void commands.call("XCLAIM", stream, group, self, "0", job.entryId, "JUSTID").catch(() => undefined), ctx.settings.minIdleMs / 3) : null;
    work({ ...job, keep });
  };

  let stopped = false;
  const readLoop = async () => {
    while (!stopped) {
      if (held >= READ_AHEAD) {
        await sleep(20);
        continue;
      }
      try {
        const result = (await reader.call("XREADGROUP", "GROUP", group, self, "COUNT", String(READ_AHEAD), "BLOCK", String(BLOCK_MS), "STREAMS", stream, ">")) as [string, Entry[]][] | null;
        for (const [, entries] of result ?? []) {
          for (const [entryId, fields] of entries) {
            if (!fields) continue;
            ctx.emit({ kind: "delivered", from: STREAM_CHANNEL_ID, to: self, message: describe(entryId, fields, 1, false) });
            take({ entryId, fields, deliveries: 1 });
          }
        }
      } catch (error) {
        // After a Redis restart the group is gone: make it again and carry on.
        if (String(error).includes("NOGROUP")) await ensureGroup(true).catch(() => undefined);
        else await sleep(500);
      }
    }
  };

  /** Entries another consumer held too long (it died, most likely) become this one's. */
  const claimLoop = async () => {
    while (!stopped) {
      await sleep(CLAIM_EVERY_MS);
      // Like reads, one at a time and only when free: a claimed entry waiting here unheld would
      // go idle again and be claimed once more.
      if (held >= READ_AHEAD) continue;
      try {
        const minIdle = ctx.settings.minIdleMs;
        const [, entries] = (await commands.call("XAUTOCLAIM", stream, group, self, String(minIdle), "0-0", "COUNT", String(READ_AHEAD))) as [string, Entry[]];
        for (const [entryId, fields] of entries) {
          if (!fields) continue;
          const pending = (await commands.call("XPENDING", stream, group, entryId, entryId, "1")) as [string, string, number, number][];
          const deliveries = Number(pending[0]?.[3] ?? 2);
          ctx.emit({
            kind: "claimed",
            from: STREAM_CHANNEL_ID,
            to: self,
            // Its attempt is Redis's delivery count, so the arrow reads "claimed #2".
            message: describe(entryId, fields, deliveries, true),
            reason: `claimed after ${minIdle} ms idle; delivery ${deliveries}`,
          });
          take({ entryId, fields, deliveries });
        }
      } catch {
        // NOGROUP or a dropped connection: the read loop repairs the group; try again later.
      }
    }
  };
  void readLoop();
  void claimLoop();

  return listening(async () => {
    stopped = true;
    reader.disconnect();
    commands.disconnect();
  });
};
