import { outgoing } from "../../actors/kit";
import { describeMessage, now, messageIds, type ActorProgram } from "../../actors/runtime";
import { createRedis, ready } from "../../brokers/redis";
import { STREAM, STREAM_CHANNEL_ID } from "./names";

const sampleTask = (n: number) => ({ taskId: `task-${n}`, title: `Follow up order ${1000 + n}`, assignee: ["ada", "grace", "linus"][n % 3] });

/** XADD answers with the entry's id: the entry is in the stream, for every group to read. */
export const redisStreamProducer: ActorProgram<"maxLen"> = async (ctx) => {
  const self = ctx.spec.id;
  const redis = createRedis({ url: ctx.spec.brokerUrl, name: self, onConnectedChange: ctx.setConnected, queueWhileOffline: false });
  await ready(redis);
  const nextId = messageIds();
  return {
    async handle(command) {
      if (command.type !== "publish") return null;
      const ids: string[] = [];
      for (const { id, body } of outgoing(command, nextId, sampleTask)) {
        const maxLen = ctx.settings.maxLen;
        const trim: string[] = maxLen > 0 ? ["MAXLEN", "~", String(maxLen)] : [];
        const publishedAt = now();
        const entryId = (await redis.call("XADD", STREAM, ...trim, "*", "messageId", id, "payload", body)) as string;
        const message = { ...describeMessage({ id, destination: STREAM, attempt: 1, redelivered: false }, body), offset: entryId };
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
