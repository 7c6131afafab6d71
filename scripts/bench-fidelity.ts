/**
 * Does Hopscope show the broker's latency, or its own? For each scenario whose round trip the
 * dashboard shows, the same operation is timed twice in one run, in turns: by a bare official
 * client with no hop reporting, and by the scenario's actor with every tap on, as the ledger
 * shows it. Where the scenario's hops also put a message's publish and its first delivery on
 * the clock, that span is timed too, against bare consumers in processes of their own. The
 * figure that matters is the ratio of the two p50s (target ≤ 1.3).
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { connect as connectAmqp } from "amqplib";
import Redis from "ioredis";
import { connect as connectNats } from "nats";
import { fork, type ChildProcess } from "node:child_process";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { wallClockMs } from "../lib/clock";
import { percentile } from "../lib/latency";
import { isMessageHop, type Hop, type MessageHopKind } from "../lib/protocol";
import { createHopscope } from "../server/app";
import type { ScenarioEngine } from "../server/engine";
import { createKafka, ensureTopic } from "../server/brokers/kafka";
import { hostSlug, namespace } from "../server/brokers/namespace";
import { loadConfig, type Config } from "../server/config";
import { SCENARIOS } from "../server/scenarios";
import { serviceConfig as inventoryServiceConfig } from "../server/scenarios/grpc-inventory/client";
import { callMetadata } from "../server/scenarios/shared/grpc/client";
import { printTable } from "./bench-memory";

/** One bare operation of the kind a scenario times, ready to run again and again. */
interface BareClient {
  once(): Promise<void>;
  /** Send → receipt of every message its consumers took since last asked, where the case has them. */
  consumed?(): Promise<number[]>;
  close(): Promise<void>;
}

interface FidelityCase {
  scenarioId: string;
  /** What one sample spans, as the scenario's ledger names it. */
  path: string;
  /** Where the scenario's hops also time a message from its publish to its first delivery. */
  consumePath?: string;
  /** How long the scenario's members and the bare ones take to be assigned their share (a consumer group's join). */
  settleMs?: number;
  /** What the throughput turns count: the hop that ends a message's trip, how many of them each message makes, and how many messages a turn sends. */
  throughput: { completes: MessageHopKind; perMessage: number; messages: number; settings: Record<string, number> };
  bare(urls: Config["urls"], tag: string): Promise<BareClient>;
}

/** How many of a role the scenario starts with: the bare side runs as many receivers. */
function startsWith(scenarioId: string, role: string): number {
  return SCENARIOS.find((s) => s.info.id === scenarioId)?.initialActors.find((a) => a.role === role)?.count ?? 1;
}
/** A scenario's setting as it starts: the bare side is configured alike. */
function defaultOf(scenarioId: string, setting: string): number {
  const value = SCENARIOS.find((s) => s.info.id === scenarioId)?.defaults[setting];
  if (value === undefined) throw new Error(`${scenarioId} declares no ${setting}`);
  return value;
}
/** A payload like the scenarios' own, stamped with its send time for a consumer to time it. */
const payload = () => Buffer.from(JSON.stringify({ orderId: "order-1", driverId: "driver-101", available: true, items: [{ productId: "sku-101", quantity: 2 }], sentAt: wallClockMs() }));
const RESPONDER = fileURLToPath(new URL("./fidelity-responder.ts", import.meta.url));
const PROTO = fileURLToPath(new URL("../server/scenarios/grpc-inventory/inventory.proto", import.meta.url));

interface FarSide {
  child: ChildProcess;
  port?: number;
}

/** The far side of a round trip in a process of its own, as a scenario's responder is. */
async function farSide(spec: Record<string, string | number>): Promise<FarSide> {
  const child = fork(RESPONDER, [JSON.stringify(spec)], { execArgv: ["--import", "tsx"], stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const ready = await new Promise<{ port?: number }>((resolve, reject) => {
    child.once("message", (message) => resolve(message as { port?: number }));
    child.once("exit", (code) => reject(new Error(`the bare ${spec.kind} side exited (${code})`)));
  });
  return { child, port: ready.port };
}

function farSides(count: number, spec: (i: number) => Record<string, string | number>): Promise<FarSide[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => farSide(spec(i))));
}

/** Collects what each consumer timed since the bench last asked. */
async function consumedBy(sides: FarSide[]): Promise<number[]> {
  const each = await Promise.all(
    sides.map(
      (side) =>
        new Promise<number[]>((resolve) => {
          side.child.once("message", (message) => resolve((message as { latencies?: number[] }).latencies ?? []));
          side.child.send({ t: "latencies" });
        }),
    ),
  );
  return each.flat();
}

function disconnectAll(sides: FarSide[]): void {
  for (const side of sides) if (side.child.connected) side.child.disconnect();
}

const CASES: FidelityCase[] = [
  {
    scenarioId: "nats-request-reply",
    path: "request → reply",
    throughput: { completes: "reply-received", perMessage: 1, messages: 3_000, settings: { delayMs: 0, timeoutMs: 60_000, retries: 0 } },
    async bare(urls, tag) {
      const subject = `${tag}.rr`;
      // As many responders as the scenario starts, in a queue group as its are: each wakes for
      // every other request, as the scenario's do.
      const far = await farSides(startsWith("nats-request-reply", "responder"), () => ({ kind: "nats", url: urls.nats, subject, queue: `${tag}.responders` }));
      const nc = await connectNats({ servers: urls.nats });
      return {
        once: async () => void (await nc.request(subject, payload(), { timeout: 2_000 })),
        close: async () => {
          await nc.close();
          disconnectAll(far);
        },
      };
    },
  },
  {
    scenarioId: "rabbitmq-work-queue",
    path: "persistent publish → broker confirm",
    throughput: { completes: "acked", perMessage: 1, messages: 3_000, settings: { delayMs: 0, failRate: 0 } },
    consumePath: "publish → delivered to a worker",
    async bare(urls, tag) {
      const connection = await connectAmqp(urls.rabbitmq);
      const channel = await connection.createConfirmChannel();
      // Like the scenario's job queue: durable, with priorities, and its workers as processes.
      const queue = `${tag}.jobs`;
      await channel.assertQueue(queue, { durable: true, arguments: { "x-max-priority": 10 } });
      const prefetch = defaultOf("rabbitmq-work-queue", "prefetch");
      const workers = await farSides(startsWith("rabbitmq-work-queue", "worker"), () => ({ kind: "rabbitmq-consumer", url: urls.rabbitmq, queue, prefetch }));
      return {
        once: () => new Promise<void>((resolve, reject) => channel.sendToQueue(queue, payload(), { persistent: true }, (error) => (error ? reject(new Error(String(error))) : resolve()))),
        consumed: () => consumedBy(workers),
        close: async () => {
          disconnectAll(workers);
          await channel.deleteQueue(queue);
          await connection.close();
        },
      };
    },
  },
  {
    scenarioId: "redis-pubsub",
    path: "PUBLISH → Redis answer",
    throughput: { completes: "delivered", perMessage: 2, messages: 3_000, settings: {} },
    async bare(urls, tag) {
      const channel = `${tag}:driver-status`;
      // The scenario's subscribers, as processes: Redis writes to each before it answers, and
      // each wakes to read while the publisher waits for that answer.
      const listeners = await farSides(startsWith("redis-pubsub", "subscriber"), () => ({ kind: "redis-subscriber", url: urls.redis, channel }));
      const redis = new Redis(urls.redis);
      return {
        once: async () => void (await redis.publish(channel, payload())),
        close: async () => {
          redis.disconnect();
          disconnectAll(listeners);
        },
      };
    },
  },
  {
    scenarioId: "redis-streams",
    path: "XADD → Redis answer",
    // Two groups read every entry: one ack from each.
    throughput: { completes: "acked", perMessage: 2, messages: 2_000, settings: { delayMs: 0, failRate: 0 } },
    consumePath: "XADD → read by a group member",
    async bare(urls, tag) {
      const stream = `${tag}:tasks`;
      const redis = new Redis(urls.redis);
      // Its groups and their members as the scenario starts them, each blocked in XREADGROUP:
      // an XADD wakes one member of each group.
      const groups = ["email-service", "analytics-service"];
      for (const group of groups) await redis.call("XGROUP", "CREATE", stream, group, "$", "MKSTREAM");
      const members = (await Promise.all(groups.map((group) => farSides(startsWith("redis-streams", group), (i) => ({ kind: "redis-stream-consumer", url: urls.redis, stream, group, consumer: `${group}-${i}` }))))).flat();
      return {
        once: async () => void (await redis.call("XADD", stream, "*", "payload", payload())),
        consumed: () => consumedBy(members),
        close: async () => {
          disconnectAll(members);
          await redis.del(stream);
          redis.disconnect();
        },
      };
    },
  },
  {
    scenarioId: "kafka-consumer-group",
    path: "send → leader ack (acks=all)",
    throughput: { completes: "processed", perMessage: 1, messages: 3_000, settings: { delayMs: 0 } },
    consumePath: "send → read by a group member",
    settleMs: 8_000,
    async bare(urls, tag) {
      const kafka = createKafka({ brokers: urls.kafka, clientId: `${tag}-bare` });
      const admin = kafka.admin();
      await admin.connect();
      const topic = `${tag}.orders`;
      const partitions = defaultOf("kafka-consumer-group", "partitions");
      await ensureTopic(admin, topic, partitions);
      const members = await farSides(startsWith("kafka-consumer-group", "consumer"), () => ({ kind: "kafka-consumer", brokers: urls.kafka, topic, groupId: `${tag}-bare-group` }));
      const producer = kafka.producer();
      await producer.connect();
      let n = 0;
      return {
        once: async () => void (await producer.send({ topic, acks: -1, messages: [{ key: `customer-${n++ % 7}`, value: payload() }] })),
        consumed: () => consumedBy(members),
        close: async () => {
          await producer.disconnect();
          disconnectAll(members);
          await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
          await admin.disconnect();
        },
      };
    },
  },
  {
    scenarioId: "grpc-inventory",
    path: "unary call → OK",
    // A call ends twice: the server's interceptor and the caller's each report its status.
    throughput: { completes: "status", perMessage: 2, messages: 1_500, settings: { delayMs: 0, deadlineMs: 60_000 } },
    async bare(_urls, tag) {
      // Its servers as processes, and the client's channel as the scenario's: round robin over
      // them with the retry policy on, each call with its metadata and its deadline.
      const servers = await farSides(startsWith("grpc-inventory", "server"), () => ({ kind: "grpc" }));
      const definition = protoLoader.loadSync(PROTO, { keepCase: false, longs: String, defaults: true });
      const pkg = grpc.loadPackageDefinition(definition) as unknown as { hopscope: { inventory: { InventoryService: grpc.ServiceClientConstructor } } };
      const target = `ipv4:${servers.map((server) => `127.0.0.1:${server.port}`).join(",")}`;
      const client = new pkg.hopscope.inventory.InventoryService(target, grpc.credentials.createInsecure(), { "grpc.service_config": inventoryServiceConfig(defaultOf("grpc-inventory", "retries")) });
      await new Promise<void>((resolve) => client.waitForReady(Date.now() + 2_000, () => resolve()));
      const names = { names: namespace(tag) };
      const deadlineMs = defaultOf("grpc-inventory", "deadlineMs");
      let n = 0;
      const checkStock = (request: { sku: string; quantity: number }) => {
        const id = `bare-${n++}`;
        const deadline = Date.now() + deadlineMs;
        return new Promise<void>((resolve, reject) =>
          (client as unknown as { CheckStock: (r: unknown, m: grpc.Metadata, o: grpc.CallOptions, cb: (e: Error | null) => void) => void }).CheckStock(request, callMetadata(names, { id, traceId: id, deadline }), { deadline }, (error) => (error ? reject(error) : resolve())),
        );
      };
      return {
        once: () => checkStock({ sku: "sku-101", quantity: 2 }),
        close: async () => {
          client.close();
          disconnectAll(servers);
        },
      };
    },
  },
];

/** The scenarios the fidelity section can time. */
export const FIDELITY_SCENARIOS = CASES.map((c) => c.scenarioId);

/** From the scenario's own hops: each message's first delivery, after its publish, as the hops' clocks say. */
function publishToDelivery(hops: Hop[]): number[] {
  const publishedAt = new Map<string, number>();
  for (const hop of hops) if (isMessageHop(hop) && hop.kind === "published" && !publishedAt.has(hop.message.id)) publishedAt.set(hop.message.id, hop.at);
  const timings: number[] = [];
  for (const hop of hops) {
    if (!isMessageHop(hop) || hop.kind !== "delivered") continue;
    const at = publishedAt.get(hop.message.id);
    if (at === undefined) continue;
    publishedAt.delete(hop.message.id);
    timings.push(hop.at - at);
  }
  return timings;
}

export interface FidelityOptions {
  /** Operations a second, one at a time: moderate, so neither side queues. */
  rate: number;
  seconds: number;
  /** Bare and shown take turns this many times each. */
  rounds: number;
  /** Only these scenarios, when given. */
  scenarios?: string[];
  /** Throughput turns with hop reporting on and counted, this many of each, in the order on, counted, counted, on, … */
  throughputRounds: number;
}

export interface FidelityFigures {
  /** The largest shown / bare latency ratio. */
  worstLatency: number | null;
  /** The smallest with / without throughput ratio. */
  worstThroughput: number | null;
}

/** How long a throughput turn may take before it is called off: a message that never ends is a bug to report, not to wait for. */
const THROUGHPUT_TURN_MS = 60_000;
/** What one publish command carries: the most the API takes. */
const BURST = 500;

/**
 * Sends the case's messages as fast as the publisher takes them, and resolves with how many
 * ended per second, from the first send to the last end. With `reporting` "count" the actors
 * send no hops: each counts what it would have sent, and the end is read from those counts.
 */
async function throughputTurn(engine: ScenarioEngine, c: FidelityCase, reporting: "on" | "count"): Promise<number> {
  const { completes, perMessage, messages } = c.throughput;
  await engine.tallyHops(c.scenarioId, reporting);
  await engine.command(c.scenarioId, { type: "reset" });
  const expected = messages * perMessage;
  let counted = 0;
  let lastAt = 0;
  const ended = async () => {
    if (reporting === "count") {
      const tally = await engine.tallyHops(c.scenarioId, "count");
      if (tally.ok) {
        counted += tally.result.counts[completes] ?? 0;
        lastAt = Math.max(lastAt, tally.result.lastAt);
      }
      return counted;
    }
    const hops = engine.buffered(c.scenarioId);
    const ends = hops.ok ? hops.result.filter((hop) => hop.kind === completes) : [];
    lastAt = Math.max(0, ...ends.map((hop) => hop.at));
    return ends.length;
  };
  const startedAt = wallClockMs();
  // Every burst is asked for at once. One after another, each burst's answer queues behind the
  // previous burst's hops on the actor's channel, so the turn would time how fast the server
  // reads hops, not how fast the clients move messages.
  const commands = [];
  for (let sent = 0; sent < messages; sent += BURST) commands.push(engine.command(c.scenarioId, { type: "publish", count: Math.min(BURST, messages - sent) }));
  for (const published of await Promise.all(commands)) if (!published.ok) throw new Error(`publish refused: ${published.error.message}`);
  const deadline = performance.now() + THROUGHPUT_TURN_MS;
  let done = await ended();
  while (done < expected && performance.now() < deadline) {
    await sleep(100);
    done = await ended();
  }
  await engine.tallyHops(c.scenarioId, "on");
  if (done < expected) throw new Error(`${done} of ${expected} ${completes} hops within ${THROUGHPUT_TURN_MS / 1000} s`);
  return (done / perMessage / (lastAt - startedAt)) * 1000;
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

/**
 * Prints, per scenario, the bare and the shown p50 and p99 and their ratio, then the throughput
 * with hop reporting on and off; resolves with the worst of each.
 */
export async function fidelity(options: FidelityOptions): Promise<FidelityFigures> {
  const tag = `${hostSlug(hostname())}-fidelity`;
  const config = loadConfig({ ...process.env, PORT: "0", HOST: "127.0.0.1", HOPSCOPE_NAMESPACE: tag });
  const hopscope = await createHopscope({ config, scenarios: SCENARIOS });
  const engine = hopscope.engine;
  const rows: Row[] = [];
  const throughputRows: Row[] = [];
  console.log(`\nFidelity: each round trip Hopscope shows, against a bare client doing the same, ${options.rate}/s for ${options.seconds} s, ${options.rounds} turns each`);
  try {
    for (const c of CASES.filter((c) => !options.scenarios || options.scenarios.includes(c.scenarioId))) {
      process.stdout.write(`  ${c.scenarioId} `);
      const started = await engine.start(c.scenarioId);
      if (!started.ok) {
        rows.push(failedRow(c, started.error.message));
        console.log("not started");
        continue;
      }
      let bareClient: BareClient | null = null;
      try {
        const declared = new Set(SCENARIOS.find((s) => s.info.id === c.scenarioId)?.info.settings.map((s) => s.name));
        // No work in the far process: what is left is the broker and the clients.
        if (declared.has("delayMs")) await engine.command(c.scenarioId, { type: "set", delayMs: 0 });
        // Names of their own: the bare side must neither read the scenario's messages nor delete its objects.
        const client = await c.bare(config.urls, `${tag}-bare`);
        bareClient = client;
        await sleep(c.settleMs ?? 2_000);
        const bare: number[] = [];
        const shown: number[] = [];
        const bareConsumed: number[] = [];
        const shownConsumed: number[] = [];
        for (let round = 0; round < options.rounds; round++) {
          bare.push(...(await paced(options.rate, options.seconds, client.once)));
          await sleep(300);
          if (client.consumed) bareConsumed.push(...(await client.consumed()));
          await engine.command(c.scenarioId, { type: "reset" });
          await paced(options.rate, options.seconds, async () => void (await engine.command(c.scenarioId, { type: "publish", count: 1 })));
          await sleep(300);
          // The readout's own samples: the round trips its hops carry, and the time between a
          // message's publish and its delivery as the hops' clocks put them.
          const hops = engine.buffered(c.scenarioId);
          if (hops.ok) {
            for (const hop of hops.result) if (isMessageHop(hop) && hop.rttMs !== undefined) shown.push(hop.rttMs);
            if (c.consumePath) shownConsumed.push(...publishToDelivery(hops.result));
          }
          process.stdout.write(".");
        }
        rows.push(row(c.scenarioId, c.path, bare, shown));
        if (c.consumePath) rows.push(row(c.scenarioId, c.consumePath, bareConsumed, shownConsumed));
        await bareClient.close().catch(() => undefined);
        bareClient = null;
        if (options.throughputRounds > 0) throughputRows.push(await throughputOf(engine, c, options.throughputRounds));
      } catch (error) {
        // A broker gone mid-run costs its own row, not the others'.
        rows.push(failedRow(c, error instanceof Error ? error.message : String(error)));
      } finally {
        await bareClient?.close().catch(() => undefined);
        await engine.stop(c.scenarioId);
      }
      console.log(" done");
    }
  } finally {
    await hopscope.close();
  }
  printTable(["scenario", "timed from → to", "bare p50", "bare p99", "shown p50", "shown / bare"], rows.map((r) => r.cells));
  console.log("Target: shown / bare ≤ 1.3 for every scenario.");
  if (throughputRows.length > 0) {
    console.log(`\nThroughput: the same actors with hop reporting on and with their hops only counted, ${options.throughputRounds} turns each`);
    printTable(["scenario", "messages end with", "counted msg/s", "reported msg/s", "with / without"], throughputRows.map((r) => r.cells));
    console.log("Target: with / without ≥ 0.9 for every scenario.");
  }
  const ratiosOf = (list: Row[]) => list.flatMap((r) => (r.ratio === null ? [] : [r.ratio]));
  const latency = ratiosOf(rows);
  const throughput = ratiosOf(throughputRows);
  return { worstLatency: latency.length === 0 ? null : Math.max(...latency), worstThroughput: throughput.length === 0 ? null : Math.min(...throughput) };
}

interface Row {
  cells: string[];
  ratio: number | null;
}

/** One line of the table: both p50s, the bare p99, and their ratio. */
function row(scenarioId: string, path: string, bare: number[], shown: number[]): Row {
  bare.sort((a, b) => a - b);
  shown.sort((a, b) => a - b);
  const bareP50 = p50(bare);
  const shownP50 = p50(shown);
  const ratio = bareP50 && shownP50 !== null ? shownP50 / bareP50 : null;
  return { cells: [scenarioId, path, fmt(bareP50), fmt(percentile(bare, 99)), fmt(shownP50), ratio === null ? "—" : `${ratio.toFixed(2)}×`], ratio };
}

/** Turns with hop reporting on and counted, in the order on, counted, counted, on, so a drift in the machine's load falls on both alike. */
async function throughputOf(engine: ScenarioEngine, c: FidelityCase, rounds: number): Promise<Row> {
  const declared = new Set(SCENARIOS.find((s) => s.info.id === c.scenarioId)?.info.settings.map((s) => s.name));
  const settings = Object.fromEntries(Object.entries(c.throughput.settings).filter(([name]) => declared.has(name)));
  if (Object.keys(settings).length > 0) await engine.command(c.scenarioId, { type: "set", ...settings });
  const rates = { on: [] as number[], count: [] as number[] };
  // The first turns after a start compile the hot paths of the actors, the client libraries and
  // the server: they time the JIT, not the steady state a room watches. One of each is dropped.
  for (const reporting of ["on", "count"] as const) await throughputTurn(engine, c, reporting);
  process.stdout.write("~");
  for (let round = 0; round < rounds; round++) {
    const order: ("on" | "count")[] = round % 2 === 0 ? ["on", "count"] : ["count", "on"];
    for (const reporting of order) {
      rates[reporting].push(await throughputTurn(engine, c, reporting));
      process.stdout.write(reporting === "on" ? "+" : "-");
    }
  }
  // The median: one turn slowed by a neighbour on this machine's two cores must not decide the ratio.
  const median = (list: number[]) => p50([...list].sort((a, b) => a - b)) ?? 0;
  const withReporting = median(rates.on);
  const without = median(rates.count);
  const ratio = withReporting / without;
  return { cells: [c.scenarioId, c.throughput.completes, without.toFixed(0), withReporting.toFixed(0), `${ratio.toFixed(2)}×`], ratio };
}

function failedRow(c: FidelityCase, why: string): Row {
  return { cells: [c.scenarioId, c.path, "—", "—", "—", why.slice(0, 60)], ratio: null };
}

function fmt(ms: number | null): string {
  return ms === null ? "—" : `${ms.toFixed(3)} ms`;
}
