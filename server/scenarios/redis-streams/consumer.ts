import { listening, type ActorProgram } from "../../actors/runtime";
import { joinStreamGroup, type StreamJob } from "../shared/redis-stream-group";
import { DEAD_LETTER_REASON, DLQ_CHANNEL_ID, DLQ_STREAM, groupOf, RETRY_BACKOFF_MS, STREAM, STREAM_CHANNEL_ID } from "./names";

const TASKS = { name: STREAM, channelId: STREAM_CHANNEL_ID };

/**
 * One consumer of a group. Several groups read the one stream, each getting every entry: its
 * hops name the group as the destination.
 */
export const redisStreamConsumer: ActorProgram<"delayMs" | "failRate" | "minIdleMs"> = async (ctx) => {
  const self = ctx.spec.id;
  const { group, from } = groupOf(ctx.spec.role, self);
  const deadLetters = ctx.names.redis(DLQ_STREAM);
  const member = await joinStreamGroup(ctx, { group, from, streams: [TASKS], destinationOf: () => group });
  const { commands } = member;
  const stream = member.keyOf(TASKS);

  const process_ = async (job: StreamJob) => {
    const { entryId, fields, deliveries } = job;
    for (let attempt = 1; ; attempt++) {
      // Lost to a colleague's claim while this consumer stalled: the entry is the colleague's now.
      if (!(await member.hold(job, ctx.settings.delayMs))) return;
      const message = member.describe(job, attempt, deliveries > 1);
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
      if (!(await member.hold(job, backoff))) return;
      ctx.emit({ kind: "retry", from: self, to: self, message: member.describe(job, attempt + 1, deliveries > 1), reason: `after ${backoff} ms` });
    }
  };
  member.consume(process_);

  return listening(() => member.close());
};
