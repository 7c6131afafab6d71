/**
 * What a broker tap costs the broker it watches: the same official-client measurement as
 * `npm run measure` (server/measure), of NATS pub/sub, Redis pub/sub, Kafka and a RabbitMQ work
 * queue (the firehose tap, which RabbitMQ pays for on every message in the vhost), with the tap on
 * the run's subject, channel or topic and without it, in turns, in one run. The tap runs in a
 * Hopscope server of its own process, its hops going through the observed store as they would
 * on the dashboard, so it costs the machine, not the measuring process's event loop. No tap is on by
 * default; the target for one that would be is at most 5 % of throughput.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { wallClockMs } from "../lib/clock";
import type { MeasureId, MeasureResult } from "../lib/measurements";
import { createKafka } from "../server/brokers/kafka";
import { connectAmqpOnce } from "../server/brokers/rabbitmq";
import { loadConfig } from "../server/config";
import { runMeasurements } from "../server/measure/engine";
import { measureNames, newRunId } from "../server/measure/names";
import type { TapRequest } from "../server/taps";
import { printTable } from "./bench-memory";

export interface TapCostOptions {
  /** Latency and throughput phases, each this long. */
  seconds: number;
  /** Runs with the tap and without it, this many of each, in the order off, on, on, off, … */
  rounds: number;
}

/** What each broker's tap watches of a measurement run. */
const TAPPED: { id: MeasureId; broker: string; targets: (runId: string) => TapRequest }[] = [
  { id: "nats-pubsub", broker: "NATS", targets: (runId) => ({ nats: [measureNames(runId).subject(">")] }) },
  { id: "redis-pubsub", broker: "Redis", targets: (runId) => ({ redis: [measureNames(runId).redisChannel] }) },
  { id: "redis-pubsub", broker: "Redis MONITOR", targets: (runId) => ({ redis: [measureNames(runId).redisChannel], redisMonitor: true }) },
  { id: "kafka", broker: "Kafka", targets: (runId) => ({ kafka: [measureNames(runId).kafkaTopic] }) },
  { id: "rabbitmq", broker: "RabbitMQ firehose", targets: (runId) => ({ rabbitmq: [measureNames(runId).queue] }) },
];

const TAP_PROCESS = fileURLToPath(new URL("./tap-process.ts", import.meta.url));

const mean = (values: number[]) => (values.length === 0 ? null : values.reduce((sum, x) => sum + x, 0) / values.length);

/** Prints each tap's throughput and latency ratio; resolves with the worst throughput ratio. */
export async function tapCost(options: TapCostOptions): Promise<number | null> {
  const urls = loadConfig({ ...process.env, PORT: "0" }).urls;
  const rows: string[][] = [];
  let worst: number | null = null;
  console.log(`\nTap cost: each broker measured with its tap on and off, ${options.seconds} s per phase, ${options.rounds} runs each`);
  for (const { id, broker, targets } of TAPPED) {
    process.stdout.write(`  ${broker} `);
    const runs = { off: [] as MeasureResult[], on: [] as MeasureResult[] };
    let tapped = 0;
    let error: string | null = null;
    for (let round = 0; round < options.rounds && !error; round++) {
      for (const tap of round % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const)) {
        const runId = newRunId();
        let server: ChildProcess | null = null;
        try {
          if (tap === "on") {
            // The tap starts at the topic's end: the topic must be there first.
            if (id === "kafka") await createTopic(urls.kafka, measureNames(runId).kafkaTopic);
            // The RabbitMQ tap refuses a queue that does not exist: declared as the run declares it.
            if (id === "rabbitmq") await declareQueue(urls.rabbitmq, measureNames(runId).queue);
            server = await tapServer(targets(runId));
          }
          const set = await runMeasurements({ only: [id], latencySeconds: options.seconds, throughputSeconds: options.seconds }, undefined, { runId, urls });
          const result = set.results[0];
          if (!result || result.error) error = result?.error ?? "no result";
          else runs[tap].push(result);
          if (server) tapped += await seenBy(server);
        } catch (caught) {
          error = caught instanceof Error ? caught.message : String(caught);
        } finally {
          if (server?.connected) server.disconnect();
        }
        process.stdout.write(tap === "on" ? "+" : "-");
      }
    }
    console.log(" done");
    if (error) {
      rows.push([broker, "—", "—", "—", "—", "—", error.slice(0, 60)]);
      continue;
    }
    const throughput = (list: MeasureResult[]) => mean(list.flatMap((r) => (r.throughput ? [r.throughput.messagesPerSecond] : [])));
    const p50 = (list: MeasureResult[]) => mean(list.flatMap((r) => (r.latency ? [r.latency.p50Ms] : [])));
    const [offRate, onRate, offP50, onP50] = [throughput(runs.off), throughput(runs.on), p50(runs.off), p50(runs.on)];
    const ratio = offRate && onRate ? onRate / offRate : null;
    if (ratio !== null) worst = Math.min(worst ?? Infinity, ratio);
    rows.push([
      broker,
      offRate?.toFixed(0) ?? "—",
      onRate?.toFixed(0) ?? "—",
      ratio === null ? "—" : `${ratio.toFixed(2)}×`,
      offP50 === null ? "—" : `${offP50.toFixed(3)} ms`,
      onP50 === null ? "—" : `${onP50.toFixed(3)} ms`,
      `${tapped} hops`,
    ]);
  }
  printTable(["broker", "off msg/s", "on msg/s", "on / off", "off p50", "on p50", "the tap saw"], rows);
  console.log(`Target for a tap on by default: on / off ≥ 0.95 (none is on by default). Measured ${new Date(wallClockMs()).toISOString()}.`);
  return worst;
}

/** A Hopscope with the tap on, in its own process; resolves once the tap listens. */
async function tapServer(targets: TapRequest): Promise<ChildProcess> {
  const child = fork(TAP_PROCESS, [JSON.stringify(targets)], { execArgv: ["--import", "tsx"], stdio: ["ignore", "ignore", "inherit", "ipc"] });
  await new Promise<void>((resolve, reject) => {
    child.once("message", () => resolve());
    child.once("exit", (code) => reject(new Error(`the tap's server exited (${code})`)));
  });
  return child;
}

function seenBy(server: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    server.once("message", (message) => resolve((message as { seen?: number }).seen ?? 0));
    server.send({ t: "seen" });
  });
}

async function declareQueue(url: string, queue: string): Promise<void> {
  const { connection, channel } = await connectAmqpOnce(url, "bench-taps");
  try {
    await channel.assertQueue(queue, { durable: true });
  } finally {
    await connection.close().catch(() => undefined);
  }
}

async function createTopic(brokers: string, topic: string): Promise<void> {
  const admin = createKafka({ brokers, clientId: "bench-taps" }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}
