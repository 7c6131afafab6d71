import type { GetMessage } from "amqplib";
import type { PeekQueue } from "../../../lib/protocol";
import { connectAmqpOnce } from "../../brokers/rabbitmq";
import type { Namespace } from "../../brokers/namespace";
import { PeekRefusal, type PeekReader, type PeekSource } from "../model";
import { DEAD_LETTER_QUEUE, DLQ_CHANNEL_ID, JOB_ID_HEADER, jobQueueNames, rejections } from "./names";

const PREVIEW_CHARS = 160;

/**
 * How the dead-letter queue is read without emptying it. AMQP 0-9-1 has no "browse": a message
 * can only be looked at by taking it. So the peek takes up to `limit` from the head with
 * basic.get in manual-ack mode and never acks them; then basic.nack with requeue puts every one
 * back. A classic queue (this one) returns a requeued message to its original place, so the order
 * is kept, and should the peek's connection die half way, the broker requeues what it held the
 * same way. What remains is the redelivered flag on those messages. Nobody consumes this queue,
 * so nothing else can take them while they are held, and peeks run one at a time, so one peek
 * never sees a queue another has half taken.
 */
const METHOD = "basic.get without ack, then basic.nack with requeue: each message went back to its place, flagged redelivered";

function describe(msg: GetMessage, position: number, jobQueue: string): PeekQueue["messages"][number] {
  const headers = msg.properties.headers as Record<string, unknown> | undefined;
  const deaths = headers?.["x-death"];
  const first = Array.isArray(deaths) ? (deaths.at(-1) as { reason?: unknown; queue?: unknown; count?: unknown } | undefined) : undefined;
  const id = msg.properties.messageId ?? headers?.[JOB_ID_HEADER];
  const text = msg.content.toString("utf8");
  return {
    position,
    messageId: typeof id === "string" && id ? id.slice(0, 128) : null,
    preview: text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text,
    size: msg.content.length,
    death: first && typeof first.reason === "string" ? { reason: first.reason.slice(0, 64), queue: String(first.queue ?? "").slice(0, 256), count: typeof first.count === "number" ? first.count : 0 } : null,
    // The worker's own count: every rejection by the job queue, and the attempt that parked it.
    attempts: rejections(headers, jobQueue) + 1,
  };
}

export function deadLetterPeek(url: string, names: Namespace): PeekReader {
  const queues = jobQueueNames(names);
  return {
    async peek(_target, limit) {
      const { connection, channel } = await connectAmqpOnce(url, "hopscope-peek");
      try {
        const check = await channel.checkQueue(queues.deadLetter).catch((error: unknown) => {
          if ((error as { code?: unknown }).code === 404) throw new PeekRefusal("not-found", `${DEAD_LETTER_QUEUE} does not exist on the broker yet: start the scenario once`);
          throw error;
        });
        const taken: GetMessage[] = [];
        try {
          while (taken.length < Math.min(limit, check.messageCount)) {
            const msg = await channel.get(queues.deadLetter, { noAck: false });
            if (!msg) break;
            taken.push(msg);
          }
        } finally {
          if (taken.length > 0) channel.nackAll(true);
        }
        const at = Date.now();
        return {
          kind: "queue",
          target: "dlq",
          label: DEAD_LETTER_QUEUE,
          at,
          method: METHOD,
          total: Math.max(check.messageCount, taken.length),
          messages: taken.map((msg, i) => describe(msg, i + 1, queues.job)),
        } satisfies PeekQueue;
      } finally {
        // Closing the channel also requeues anything still held, should the nack not have gone out.
        await connection.close().catch(() => undefined);
      }
    },
    async close() {},
  };
}

export const deadLetterPeekSource: PeekSource = {
  transport: "rabbitmq",
  targets: [{ id: "dlq", label: DEAD_LETTER_QUEUE, channel: DLQ_CHANNEL_ID }],
  open: (url, names) => deadLetterPeek(url, names),
};
