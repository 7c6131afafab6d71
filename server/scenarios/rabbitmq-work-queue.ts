import type { Channel } from "amqplib";
import { z } from "zod";
import { connectAmqpOnce, explainDeclareError, managementQueue } from "../brokers/rabbitmq";
import type { GaugeReader, ScenarioDefinition } from "./definition";

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
export async function declareJobQueues(channel: Channel): Promise<void> {
  try {
    await declareJobTopology(channel);
  } catch (error) {
    throw explainDeclareError(error, [JOB_QUEUE, RETRY_QUEUE, DEAD_LETTER_QUEUE]);
  }
}

async function declareJobTopology(channel: Channel): Promise<void> {
  await channel.assertExchange(DEAD_LETTER_EXCHANGE, "headers", { durable: true });
  await channel.assertQueue(JOB_QUEUE, {
    durable: true,
    arguments: { "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE, "x-max-priority": MAX_PRIORITY },
  });
  await channel.assertQueue(RETRY_QUEUE, {
    durable: true,
    arguments: { "x-message-ttl": RETRY_DELAY_MS, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": JOB_QUEUE },
  });
  await channel.assertQueue(DEAD_LETTER_QUEUE, { durable: true });
  // "-with-x" lets a headers binding look at x- headers, which the broker's own are.
  await channel.bindQueue(RETRY_QUEUE, DEAD_LETTER_EXCHANGE, "", { "x-match": "all-with-x", "x-first-death-reason": "rejected" });
  await channel.bindQueue(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, "", EXPIRED_BINDING);
}

export const EXPIRED_BINDING = { "x-match": "all-with-x", "x-first-death-reason": "expired" };
export const DEAD_LETTER_EXPIRED = "its TTL ran out before a worker took it";

/** How many times the job queue has rejected this message, from the broker's x-death record. */
export function rejections(headers: Record<string, unknown> | undefined): number {
  const deaths = headers?.["x-death"];
  if (!Array.isArray(deaths)) return 0;
  let count = 0;
  for (const death of deaths as { queue?: unknown; reason?: unknown; count?: unknown }[]) {
    if (death.queue === JOB_QUEUE && death.reason === "rejected" && typeof death.count === "number") count += death.count;
  }
  return count;
}

export const rabbitmqWorkQueue: ScenarioDefinition = {
  info: {
    id: "rabbitmq-work-queue",
    title: "Job queue",
    summary:
      "A producer puts email jobs on a durable RabbitMQ queue with publisher confirms. Workers take them with manual acks and a prefetch window. Kill a worker holding unacked jobs: the broker puts them back and another worker receives them, marked redelivered. Failing jobs wait in a retry queue and, after the last attempt, are parked in a dead-letter queue, as are jobs whose TTL runs out.",
    pattern: "work-queue",
    broker: "rabbitmq",
    guarantee: "at-least-once",
    roundTrip: "publish → broker confirm",
    publishLabel: "Send job",
    publishFields: [
      { name: "priority", label: "Priority (0–10)", initial: "", placeholder: "0" },
      { name: "ttlMs", label: "TTL (ms)", initial: "", placeholder: "none" },
    ],
    roles: [
      { name: "producer", description: `Publishes persistent jobs to ${JOB_QUEUE} and waits for the broker's confirm`, min: 1, max: 1, killable: false },
      { name: "worker", description: `Consumes ${JOB_QUEUE} with manual acks`, min: 0, max: 8, killable: true },
    ],
    commands: [
      { type: "publish", description: "Send one job, or a burst of count; priority 0-10 and ttlMs are optional" },
      { type: "add-actor", description: "Add a worker" },
      { type: "kill-actor", description: "SIGKILL a worker; its unacked jobs go back to the queue" },
      { type: "set", description: "Change delayMs (job duration), prefetch, failRate or maxAttempts" },
      { type: "reset", description: "Clear the ledger and the hop log" },
    ],
    settings: [
      { name: "delayMs", label: "Job duration", unit: "ms", min: 0, max: 10_000, step: 10 },
      { name: "prefetch", label: "Prefetch", unit: "jobs", min: 1, max: 100, step: 1 },
      { name: "failRate", label: "Failure rate", unit: "0–1", min: 0, max: 1, step: 0.1 },
      { name: "maxAttempts", label: "Attempts", unit: "", min: 1, max: 10, step: 1 },
    ],
    channels: [
      { id: JOB_CHANNEL_ID, label: JOB_QUEUE, kind: "queue" },
      { id: RETRY_CHANNEL_ID, label: RETRY_QUEUE, kind: "retry queue" },
      { id: DLQ_CHANNEL_ID, label: DEAD_LETTER_QUEUE, kind: "dead-letter queue", column: "sink" },
    ],
    links: [
      { from: "role:producer", to: JOB_CHANNEL_ID },
      { from: JOB_CHANNEL_ID, to: "role:worker" },
      { from: JOB_CHANNEL_ID, to: RETRY_CHANNEL_ID },
      { from: "role:worker", to: DLQ_CHANNEL_ID },
      { from: JOB_CHANNEL_ID, to: DLQ_CHANNEL_ID },
    ],
  },
  programs: { producer: "rabbitmq-producer", worker: "rabbitmq-worker" },
  publisherRole: "producer",
  initialActors: [
    { role: "producer", count: 1 },
    { role: "worker", count: 2 },
  ],
  defaults: { delayMs: 300, prefetch: 10, failRate: 0, maxAttempts: 3 },
  settingsSchema: z
    .object({
      delayMs: z.number().int().min(0).max(60_000),
      prefetch: z.number().int().min(1).max(1000),
      failRate: z.number().min(0).max(1),
      maxAttempts: z.number().int().min(1).max(10),
    })
    .partial()
    .strict(),
  requeuesOnKill: true,
  gauges: queueGauges,
};

/**
 * Queue depths as the broker counts them (checkQueue over AMQP, exact and current), and the
 * job queue's unacked count from the management API when it is enabled (it samples every few
 * seconds).
 */
function queueGauges(url: string): GaugeReader {
  let open: ReturnType<typeof connectAmqpOnce> | null = null;
  const forget = () => {
    const stale = open;
    open = null;
    void stale?.then(({ connection }) => connection.close()).catch(() => undefined);
  };
  return {
    async read() {
      open ??= connectAmqpOnce(url, "hopscope-gauges");
      try {
        const { channel } = await open;
        const [jobs, retry, parked, stats] = await Promise.all([
          channel.checkQueue(JOB_QUEUE),
          channel.checkQueue(RETRY_QUEUE),
          channel.checkQueue(DEAD_LETTER_QUEUE),
          managementQueue(url, JOB_QUEUE),
        ]);
        const job: Record<string, number> = { ready: jobs.messageCount, consumers: jobs.consumerCount };
        if (stats) job.unacked = stats.unacked;
        return { [JOB_CHANNEL_ID]: job, [RETRY_CHANNEL_ID]: { waiting: retry.messageCount }, [DLQ_CHANNEL_ID]: { parked: parked.messageCount } };
      } catch (error) {
        // A queue not declared yet closes the channel, a restart the connection: start afresh.
        forget();
        throw error;
      }
    },
    async close() {
      forget();
    },
  };
}
