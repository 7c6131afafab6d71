import { z } from "zod";
import { connectAmqpOnce } from "../brokers/rabbitmq";
import type { GaugeReader, ScenarioDefinition } from "./definition";

/** From the seeds: email jobs that must not be lost, shared by competing workers. */
export const JOB_QUEUE = "emails";
export const JOB_ID_HEADER = "hopscope-job-id";

export const rabbitmqWorkQueue: ScenarioDefinition = {
  info: {
    id: "rabbitmq-work-queue",
    title: "Job queue",
    summary:
      "A producer puts email jobs on a durable RabbitMQ queue with publisher confirms. Workers take them with manual acks and a prefetch window. Kill a worker holding unacked jobs: the broker puts them back and another worker receives them, marked redelivered.",
    pattern: "work-queue",
    broker: "rabbitmq",
    guarantee: "at-least-once",
    roundTrip: "publish → broker confirm",
    publishLabel: "Send job",
    roles: [
      { name: "producer", description: `Publishes persistent jobs to ${JOB_QUEUE} and waits for the broker's confirm`, min: 1, max: 1, killable: false },
      { name: "worker", description: `Consumes ${JOB_QUEUE} with manual acks`, min: 0, max: 8, killable: true },
    ],
    commands: [
      { type: "publish", description: "Send one job, or a burst of count" },
      { type: "add-actor", description: "Add a worker" },
      { type: "kill-actor", description: "SIGKILL a worker; its unacked jobs go back to the queue" },
      { type: "set", description: "Change delayMs (job duration) or prefetch" },
      { type: "reset", description: "Clear the ledger and the hop log" },
    ],
    settings: [
      { name: "delayMs", label: "Job duration", unit: "ms", min: 0, max: 10_000, step: 10 },
      { name: "prefetch", label: "Prefetch", unit: "jobs", min: 1, max: 100, step: 1 },
    ],
    channels: [{ id: `rabbitmq:${JOB_QUEUE}`, label: JOB_QUEUE, kind: "queue" }],
  },
  programs: { producer: "rabbitmq-producer", worker: "rabbitmq-worker" },
  publisherRole: "producer",
  initialActors: [
    { role: "producer", count: 1 },
    { role: "worker", count: 2 },
  ],
  defaults: { delayMs: 300, prefetch: 10 },
  settingsSchema: z
    .object({ delayMs: z.number().int().min(0).max(60_000), prefetch: z.number().int().min(1).max(1000) })
    .partial()
    .strict(),
  requeuesOnKill: true,
  gauges: queueGauges,
};

/** Ready messages and consumers, as the broker counts them (checkQueue over AMQP). */
function queueGauges(url: string): GaugeReader {
  let open: Promise<Awaited<ReturnType<typeof connectAmqpOnce>>> | null = null;
  return {
    async read() {
      open ??= connectAmqpOnce(url, "hopscope-gauges");
      try {
        const { channel } = await open;
        const queue = await channel.checkQueue(JOB_QUEUE);
        return { [`rabbitmq:${JOB_QUEUE}`]: { ready: queue.messageCount, consumers: queue.consumerCount } };
      } catch (error) {
        // A missing queue closes the channel, a restart the connection: start afresh next time.
        const stale = open;
        open = null;
        void stale?.then(({ connection }) => connection.close()).catch(() => undefined);
        throw error;
      }
    },
    async close() {
      const current = open;
      open = null;
      await current?.then(({ connection }) => connection.close()).catch(() => undefined);
    },
  };
}

export const JOB_CHANNEL_ID = rabbitmqWorkQueue.info.channels[0]?.id ?? `rabbitmq:${JOB_QUEUE}`;
