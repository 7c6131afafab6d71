/**
 * Does Hopscope show the broker's latency, or its own? For each scenario whose round trip the
 * dashboard shows, the same operation is timed twice in one run, in turns: by a bare official
 * client with no hop reporting, and by the scenario's actor with every tap on, as the ledger
 * shows it. The figure that matters is the ratio of the two p50s (target ≤ 1.3).
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { connect as connectAmqp } from "amqplib";
import Redis from "ioredis";
import { connect as connectNats } from "nats";
import { fork, type ChildProcess } from "node:child_process";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { percentile } from "../lib/latency";
import { isMessageHop } from "../lib/protocol";
import { createHopscope } from "../server/app";
import { createKafka, ensureTopic } from "../server/brokers/kafka";
import { hostSlug } from "../server/brokers/namespace";
import { loadConfig, type Config } from "../server/config";
import { SCENARIOS } from "../server/scenarios";
import { printTable } from "./bench-memory";

/** One bare operation of the kind a scenario times, ready to run again and again. */
interface BareClient {
  once(): Promise<void>;
  close(): Promise<void>;
}

interface FidelityCase {
  scenarioId: string;
  /** What one sample spans, as the scenario's ledger names it. */
  path: string;
  bare(urls: Config["urls"], tag: string): Promise<BareClient>;
}

/** How many of a role the scenario starts with: the bare side runs as many receivers. */
function startsWith(scenarioId: string, role: string): number {
  return SCENARIOS.find((s) => s.info.id === scenarioId)?.initialActors.find((a) => a.role === role)?.count ?? 1;
}
const PAYLOAD = Buffer.from(JSON.stringify({ orderId: "order-1", items: [{ productId: "sku-101", quantity: 2 }] }));
const RESPONDER = fileURLToPath(new URL("./fidelity-responder.ts", import.meta.url));
const PROTO = fileURLToPath(new URL("../server/scenarios/grpc-inventory/inventory.proto", import.meta.url));

/** The far side of a round trip in a process of its own, as a scenario's responder is. */
async function responder(spec: Record<string, string>): Promise<{ child: ChildProcess; port?: number }> {
  const child = fork(RESPONDER, [JSON.stringify(spec)], { execArgv: ["--import", "tsx"], stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const ready = await new Promise<{ port?: number }>((resolve, reject) => {
    child.once("message", (message) => resolve(message as { port?: number }));
    child.once("exit", (code) => reject(new Error(`the bare ${spec.kind} responder exited (${code})`)));
  });
  return { child, port: ready.port };
}

const CASES: FidelityCase[] = [
  {
    scenarioId: "nats-request-reply",
    path: "request → reply",
    async bare(urls, tag) {
      const subject = `${tag}.rr`;
      const far = await responder({ kind: "nats", url: urls.nats, subject });
      const nc = await connectNats({ servers: urls.nats });
      return {
        once: async () => void (await nc.request(subject, PAYLOAD, { timeout: 2_000 })),
        close: async () => {
          await nc.close();
          far.child.disconnect();
        },
      };
    },
  },
  {
    scenarioId: "rabbitmq-work-queue",
    path: "persistent publish → broker confirm",
    async bare(urls, tag) {
      const connection = await connectAmqp(urls.rabbitmq);
      const channel = await connection.createConfirmChannel();
      // Like the scenario's job queue: durable, with priorities, and its workers as processes.
      const queue = `${tag}.jobs`;
      await channel.assertQueue(queue, { durable: true, arguments: { "x-max-priority": 10 } });
      const workers = await Promise.all(Array.from({ length: startsWith("rabbitmq-work-queue", "worker") }, () => responder({ kind: "rabbitmq-consumer", url: urls.rabbitmq, queue })));
      return {
        once: () => new Promise<void>((resolve, reject) => channel.sendToQueue(queue, PAYLOAD, { persistent: true }, (error) => (error ? reject(new Error(String(error))) : resolve()))),
        close: async () => {
          for (const worker of workers) worker.child.disconnect();
          await channel.deleteQueue(queue);
          await connection.close();
        },
      };
    },
  },
  {
    scenarioId: "redis-pubsub",
    path: "PUBLISH → Redis answer",
    async bare(urls, tag) {
      const channel = `${tag}:driver-status`;
      // The scenario's subscribers, as processes: Redis writes to each before it answers, and
      // each wakes to read while the publisher waits for that answer.
      const listeners = await Promise.all(Array.from({ length: startsWith("redis-pubsub", "subscriber") }, () => responder({ kind: "redis-subscriber", url: urls.redis, channel })));
      const redis = new Redis(urls.redis);
      return {
        once: async () => void (await redis.publish(channel, PAYLOAD)),
        close: async () => {
          redis.disconnect();
          for (const listener of listeners) listener.child.disconnect();
        },
      };
    },
  },
  {
    scenarioId: "redis-streams",
    path: "XADD → Redis answer",
    async bare(urls, tag) {
      const stream = `${tag}:tasks`;
      const redis = new Redis(urls.redis);
      return {
        once: async () => void (await redis.call("XADD", stream, "MAXLEN", "~", "10000", "*", "payload", PAYLOAD)),
        close: async () => {
          await redis.del(stream);
          redis.disconnect();
        },
      };
    },
  },
  {
    scenarioId: "kafka-consumer-group",
    path: "send → leader ack (acks=all)",
    async bare(urls, tag) {
      const kafka = createKafka({ brokers: urls.kafka, clientId: `${tag}-bare` });
      const admin = kafka.admin();
      await admin.connect();
      const topic = `${tag}.orders`;
      await ensureTopic(admin, topic, 3);
      const producer = kafka.producer();
      await producer.connect();
      let n = 0;
      return {
        once: async () => void (await producer.send({ topic, acks: -1, messages: [{ key: `customer-${n++ % 7}`, value: PAYLOAD }] })),
        close: async () => {
          await producer.disconnect();
          await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
          await admin.disconnect();
        },
      };
    },
  },
  {
    scenarioId: "grpc-inventory",
    path: "unary call → OK",
    async bare() {
      const far = await responder({ kind: "grpc" });
      const definition = protoLoader.loadSync(PROTO, { keepCase: false, longs: String, defaults: true });
      const pkg = grpc.loadPackageDefinition(definition) as unknown as { hopscope: { inventory: { InventoryService: grpc.ServiceClientConstructor } } };
      const client = new pkg.hopscope.inventory.InventoryService(`127.0.0.1:${far.port}`, grpc.credentials.createInsecure());
      const checkStock = (request: { sku: string; quantity: number }) =>
        new Promise<void>((resolve, reject) => (client as unknown as { CheckStock: (r: unknown, cb: (e: Error | null) => void) => void }).CheckStock(request, (error) => (error ? reject(error) : resolve())));
      return {
        once: () => checkStock({ sku: "sku-101", quantity: 2 }),
        close: async () => {
          client.close();
          far.child.disconnect();
        },
      };
    },
  },
];

export interface FidelityOptions {
  /** Operations a second, one at a time: moderate, so neither side queues. */
  rate: number;
  seconds: number;
  /** Bare and shown take turns this many times each. */
  rounds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `op` once every 1/rate s for `seconds`, each awaited, and returns each one's duration. */
async function paced(rate: number, seconds: number, op: () => Promise<void>): Promise<number[]> {
  const timings: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  for (let next = performance.now(); next < deadline; next += 1000 / rate) {
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
    const started = performance.now();
    await op();
    timings.push(performance.now() - started);
  }
  return timings.sort((a, b) => a - b);
}

const p50 = (sorted: number[]) => percentile(sorted, 50);

/** Prints, per scenario, the bare and the shown p50 and p99 and their ratio; resolves with the worst ratio. */
export async function fidelity(options: FidelityOptions): Promise<number | null> {
  const tag = `${hostSlug(hostname())}-fidelity`;
  const config = loadConfig({ ...process.env, PORT: "0", HOST: "127.0.0.1", HOPSCOPE_NAMESPACE: tag });
  const hopscope = await createHopscope({ config, scenarios: SCENARIOS });
  const engine = hopscope.engine;
  const rows: string[][] = [];
  let worst: number | null = null;
  console.log(`\nFidelity: each round trip Hopscope shows, against a bare client doing the same, ${options.rate}/s for ${options.seconds} s, ${options.rounds} turns each`);
  try {
    for (const c of CASES) {
      process.stdout.write(`  ${c.scenarioId} `);
      const started = await engine.start(c.scenarioId);
      if (!started.ok) {
        rows.push([c.scenarioId, c.path, "—", "—", "—", started.error.message.slice(0, 60)]);
        console.log("not started");
        continue;
      }
      let bareClient: BareClient | null = null;
      try {
        const declared = new Set(SCENARIOS.find((s) => s.info.id === c.scenarioId)?.info.settings.map((s) => s.name));
        // No work in the far process: what is left is the broker and the clients.
        if (declared.has("delayMs")) await engine.command(c.scenarioId, { type: "set", delayMs: 0 });
        await sleep(2_000);
        const client = await c.bare(config.urls, tag);
        bareClient = client;
        const bare: number[] = [];
        const shown: number[] = [];
        for (let round = 0; round < options.rounds; round++) {
          bare.push(...(await paced(options.rate, options.seconds, client.once)));
          await engine.command(c.scenarioId, { type: "reset" });
          await paced(options.rate, options.seconds, async () => void (await engine.command(c.scenarioId, { type: "publish", count: 1 })));
          await sleep(300);
          // The readout's own samples: the round trips its hops carry.
          const hops = engine.buffered(c.scenarioId);
          if (hops.ok) for (const hop of hops.result) if (isMessageHop(hop) && hop.rttMs !== undefined) shown.push(hop.rttMs);
          process.stdout.write(".");
        }
        bare.sort((a, b) => a - b);
        shown.sort((a, b) => a - b);
        const bareP50 = p50(bare);
        const shownP50 = p50(shown);
        const ratio = bareP50 && shownP50 !== null ? shownP50 / bareP50 : null;
        if (ratio !== null) worst = Math.max(worst ?? 0, ratio);
        rows.push([c.scenarioId, c.path, fmt(bareP50), fmt(percentile(bare, 99)), fmt(shownP50), ratio === null ? "—" : `${ratio.toFixed(2)}×`]);
      } catch (error) {
        // A broker gone mid-run costs its own row, not the others'.
        rows.push([c.scenarioId, c.path, "—", "—", "—", (error instanceof Error ? error.message : String(error)).slice(0, 60)]);
      } finally {
        await bareClient?.close().catch(() => undefined);
        await engine.stop(c.scenarioId);
      }
      console.log(" done");
    }
  } finally {
    await hopscope.close();
  }
  printTable(["scenario", "round trip", "bare p50", "bare p99", "shown p50", "shown / bare"], rows);
  console.log("Target: shown / bare ≤ 1.3 for every scenario.");
  return worst;
}

function fmt(ms: number | null): string {
  return ms === null ? "—" : `${ms.toFixed(3)} ms`;
}
