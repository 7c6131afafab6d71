import { describeMessage, listening, sleep, type ActorProgram } from "../../actors/runtime";
import { createKafka } from "../../brokers/kafka";
import { createRedis, ready } from "../../brokers/redis";
import { connectionTracker } from "../shared/story";
import { READ_MODEL, READ_MODEL_CHANNEL_ID, TOPIC, TRACE_FIELD, VERSION_FIELD } from "./names";

/** How a query's answer reads, fresh or stale, in the words the picture shows. */
export function verdictOf(version: number, written: number): string {
  if (version >= written) return `fresh: read v${version}, the latest written`;
  const behind = written - version;
  return `stale: read v${version}, written v${written} (${behind} event${behind === 1 ? "" : "s"} behind)`;
}

/**
 * The read side's API (GET /api/tasks): it answers from the read model in Redis, never from the
 * event store. Each answer is checked against the version the write side has reached (the
 * event store's log end), so a stale answer says so. It joins the trace of the last command the
 * read model shows: that is the command the query observed.
 */
export const queryService: ActorProgram<"queryEveryMs"> = async (ctx) => {
  const self = ctx.spec.id;
  const readModel = ctx.names.redis(READ_MODEL);
  const topic = ctx.names.name(TOPIC);
  const onConnected = connectionTracker(ctx, ["redis", "kafka"]);
  const redis = createRedis({ url: ctx.urlOf("redis"), name: self, onConnectedChange: onConnected("redis"), queueWhileOffline: false });
  await ready(redis);
  const admin = createKafka({ brokers: ctx.urlOf("kafka"), clientId: self, log: ctx.log }).admin();
  await admin.connect();
  let running = true;
  let n = 0;

  /** The version the write side has reached: events in the log, none of them removed. */
  const written = async () => {
    const offsets = await admin.fetchTopicOffsets(topic).catch(() => []);
    return offsets.reduce((total, p) => total + Number(p.high), 0);
  };

  const query = async () => {
    const [[version, traceId], tasks] = await Promise.all([redis.hmget(readModel, VERSION_FIELD, TRACE_FIELD), redis.hlen(readModel)]);
    const head = await written();
    // Nothing projected yet: no command to have observed, and nothing to answer with.
    if (!traceId || version === null) return;
    const read = { version: Number(version), written: head };
    const answer = Buffer.from(JSON.stringify({ version: read.version, written: read.written, tasks: Math.max(0, tasks - 3) }));
    n++;
    const message = describeMessage({ id: `${traceId}/query-${self}-${n}`, traceId, destination: READ_MODEL, attempt: 1, redelivered: false }, answer);
    ctx.emit({ kind: "delivered", from: READ_MODEL_CHANNEL_ID, to: self, message, read, reason: verdictOf(read.version, read.written) });
  };

  const loop = async () => {
    while (running) {
      const every = ctx.settings.queryEveryMs;
      await sleep(every > 0 ? every : 500);
      if (running && every > 0) await query().catch((error: unknown) => ctx.log(`query failed: ${String(error)}`));
    }
  };
  void loop();

  return listening(async () => {
    running = false;
    await admin.disconnect().catch(() => undefined);
    redis.disconnect();
  });
};
