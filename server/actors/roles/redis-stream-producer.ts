import { createRedis, ready } from "../../brokers/redis";
import { STREAM, STREAM_CHANNEL_ID } from "../../scenarios/redis-streams";
import { describeMessage, now, messageIds, type ActorProgram } from "../runtime";

/** XADD answers with the entry's id: the entry is in the stream, for every group to read. */
export const redisStreamProducer: ActorProgram = async (ctx) => {
  const self = ctx.spec.id;
  const redis = createRedis({ url: ctx.spec.brokerUrl, name: self, onConnectedChange: ctx.setConnected, queueWhileOffline: false });
  await ready(redis);
  const nextId = messageIds();
  return {
    async handle(command) {
      if (command.type !== "publish") return null;
      const ids: string[] = [];
      for (let i = 0; i < command.count; i++) {
        const { id, n: counter } = nextId();
        const payload = command.payload ?? { taskId: `task-${counter}`, title: `Follow up order ${1000 + counter}`, assignee: ["ada", "grace", "linus"][counter % 3] };
        const body = typeof payload === "string" ? payload : JSON.stringify(payload);
        const maxLen = ctx.settings.maxLen ?? 0;
        const trim: string[] = maxLen > 0 ? ["MAXLEN", "~", String(maxLen)] : [];
        const publishedAt = now();
        const entryId = (await redis.call("XADD", STREAM, ...trim, "*", "messageId", id, "payload", body)) as string;
        const message = { ...describeMessage({ id, destination: STREAM, attempt: 1, redelivered: false }, Buffer.from(body)), offset: entryId };
        ctx.emit({ kind: "published", from: self, to: STREAM_CHANNEL_ID, message, at: publishedAt, rttMs: now() - publishedAt });
        ids.push(id);
      }
      return { messageIds: ids };
    },
    async close() {
      redis.disconnect();
    },
  };
};
