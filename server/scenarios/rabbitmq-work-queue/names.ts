import type { Channel } from "amqplib";
import type { Namespace } from "../../brokers/namespace";
import { explainDeclareError } from "../../brokers/rabbitmq";

/** From the seeds: email jobs that must not be lost, shared by competing workers. */
export const JOB_QUEUE = "emails";
/** Failed jobs wait here for RETRY_DELAY_MS (queue TTL), then dead-letter back to JOB_QUEUE. */
export const RETRY_QUEUE = "emails.retry";
/** Jobs that failed every attempt are parked here for a person to look at. */
export const DEAD_LETTER_QUEUE = "emails.dlq";
export const RETRY_DELAY_MS = 1_000;
export const JOB_ID_HEADER = "hopscope-job-id";
export const MAX_PRIORITY = 10;

export const JOB_CHANNEL_ID = `rabbitmq:${JOB_QUEUE}`;
export const RETRY_CHANNEL_ID = `rabbitmq:${RETRY_QUEUE}`;
export const DLQ_CHANNEL_ID = `rabbitmq:${DEAD_LETTER_QUEUE}`;

/** Where the job queue's dead letters go: sorted by why they died. */
export const DEAD_LETTER_EXCHANGE = "emails.dead-letters";

/**
 * Every process declares the same queues with the same arguments (RabbitMQ refuses a
 * redeclaration with different ones). A rejected job dead-letters to the retry queue, whose
 * TTL sends it back to the job queue. A job whose own TTL ran out goes straight to the
 * dead-letter queue: sent back to the job queue it would close a cycle with no rejection in it,
 * and RabbitMQ silently drops messages in such cycles.
 */
export async function declareJobQueues(channel: Channel, names: Namespace): Promise<void> {
  const q = jobQueueNames(names);
  try {
    await declareJobTopology(channel, q);
  } catch (error) {
    throw explainDeclareError(error, [q.job, q.retry, q.deadLetter]);
  }
}

/** The names above as the broker knows them, in the instance's namespace. */
export function jobQueueNames(names: Namespace) {
  return { job: names.name(JOB_QUEUE), retry: names.name(RETRY_QUEUE), deadLetter: names.name(DEAD_LETTER_QUEUE), deadLetterExchange: names.name(DEAD_LETTER_EXCHANGE) };
}
export type JobQueueNames = ReturnType<typeof jobQueueNames>;

async function declareJobTopology(channel: Channel, q: JobQueueNames): Promise<void> {
  await channel.assertExchange(q.deadLetterExchange, "headers", { durable: true });
  await channel.assertQueue(q.job, {
    durable: true,
    arguments: { "x-dead-letter-exchange": q.deadLetterExchange, "x-max-priority": MAX_PRIORITY },
  });
  await channel.assertQueue(q.retry, {
    durable: true,
    arguments: { "x-message-ttl": RETRY_DELAY_MS, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": q.job },
  });
  await channel.assertQueue(q.deadLetter, { durable: true });
  // "-with-x" lets a headers binding look at x- headers, which the broker's own are.
  await channel.bindQueue(q.retry, q.deadLetterExchange, "", { "x-match": "all-with-x", "x-first-death-reason": "rejected" });
  await channel.bindQueue(q.deadLetter, q.deadLetterExchange, "", EXPIRED_BINDING);
}

export const EXPIRED_BINDING = { "x-match": "all-with-x", "x-first-death-reason": "expired" };
export const DEAD_LETTER_EXPIRED = "its TTL ran out before a worker took it";

/** How many times `jobQueue` has rejected this message, from the broker's x-death record. */
export function rejections(headers: Record<string, unknown> | undefined, jobQueue: string): number {
  const deaths = headers?.["x-death"];
  if (!Array.isArray(deaths)) return 0;
  let count = 0;
  for (const death of deaths as { queue?: unknown; reason?: unknown; count?: unknown }[]) {
    if (death.queue === jobQueue && death.reason === "rejected" && typeof death.count === "number") count += death.count;
  }
  return count;
}

