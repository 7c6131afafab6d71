/**
 * `npm run soak`: each broker restarted in turn, under load, while an at-least-once scenario
 * runs on it, N times. The ledger must lose nothing and count duplicates exactly; the dashboard
 * must notice the broker going within 2 s and coming back within 5 s, with no manual step.
 *
 *   npx tsx scripts/soak.ts [--rounds 10] [--brokers nats,rabbitmq,redis,kafka] [--long-outage-s 65]
 *
 * `npm test` runs a short version: one round per broker, no long outage.
 */
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { io as connectSocket, type Socket } from "socket.io-client";
import { z } from "zod";
import { PROCESSED_KINDS } from "../lib/hops";
import { BROKERS, isMessageHop, type BrokerId, type ClientToServerEvents, type Hop, type Ledger, type ServerToClientEvents } from "../lib/protocol";
import { createHopscope, type Hopscope } from "../server/app";
import { hostSlug } from "../server/brokers/namespace";
import { loadConfig } from "../server/config";
import { SCENARIOS } from "../server/scenarios";
import { LOST_IN_RESTART } from "../server/scenarios/redis-streams/producer";
import { answers, restarterFor, sleep, type BrokerRestarter } from "./broker-restarts";

const argsSchema = z.object({
  rounds: z.coerce.number().int().min(1).max(1000).default(10),
  brokers: z
    .string()
    .default(BROKERS.join(","))
    .transform((list) => list.split(",").map((b) => b.trim()))
    .pipe(z.array(z.enum(BROKERS)).min(1)),
  "long-outage-s": z.coerce.number().min(0).max(600).default(65),
  "down-s": z.coerce.number().min(0.5).max(120).default(3),
});

/** The at-least-once scenario each broker carries, and settings that keep work in flight. */
const LOAD: Record<BrokerId, { scenario: string; settings: Record<string, number>; perRound: number }> = {
  nats: { scenario: "nats-jetstream", settings: { delayMs: 20, ackWaitMs: 2_000, maxDeliver: 20, failRate: 0 }, perRound: 200 },
  rabbitmq: { scenario: "rabbitmq-work-queue", settings: { delayMs: 20, prefetch: 10, failRate: 0 }, perRound: 200 },
  redis: { scenario: "redis-streams", settings: { delayMs: 20, failRate: 0, minIdleMs: 2_000 }, perRound: 200 },
  kafka: { scenario: "kafka-consumer-group", settings: { delayMs: 30 }, perRound: 200 },
};
const NOTICE_DOWN_LIMIT_MS = 2_000;
const NOTICE_UP_LIMIT_MS = 5_000;
const SETTLE_TIMEOUT_MS = 180_000;

interface RoundResult {
  broker: BrokerId;
  round: number;
  downForS: number;
  noticedDownMs: number;
  noticedUpMs: number;
  /** From the broker answering again to the scenario taking a publish. */
  recoveredMs: number;
  ledger: Ledger;
  duplicatesFromHops: number;
  problems: string[];
}

type Dashboard = Socket<ServerToClientEvents, ClientToServerEvents>;

/** When the dashboard (a Socket.IO client, as a browser is) was told each broker's state. */
function watchHealth(dashboard: Dashboard) {
  const seen: { broker: BrokerId; up: boolean; at: number }[] = [];
  const last = new Map<BrokerId, boolean>();
  const record = (report: { brokers: Record<BrokerId, { up: boolean }> }) => {
    for (const broker of BROKERS) {
      const up = report.brokers[broker].up;
      if (last.get(broker) !== up) seen.push({ broker, up, at: Date.now() });
      last.set(broker, up);
    }
  };
  dashboard.on("hello", (info) => record(info.health));
  dashboard.on("health", record);
  return {
    /** The first time after `since` the dashboard showed `broker` as `up`. */
    async shown(broker: BrokerId, up: boolean, since: number, timeoutMs: number): Promise<number> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const event = seen.find((e) => e.broker === broker && e.up === up && e.at >= since);
        if (event) return event.at;
        if (Date.now() > deadline) return Number.POSITIVE_INFINITY;
        await sleep(20);
      }
    },
    forget() {
      seen.length = 0;
    },
  };
}

async function call<T>(base: string, method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(base + path, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}

async function ledgerOf(base: string, scenario: string): Promise<Ledger> {
  return (await call<{ ledger: Ledger }>(base, "GET", `/api/scenarios/${scenario}/state`)).body.ledger;
}

async function everyHop(base: string, scenario: string): Promise<Hop[]> {
  const hops: Hop[] = [];
  for (let since = 0; ; ) {
    const page = (await call<{ hops: Hop[]; lastSeq: number }>(base, "GET", `/api/scenarios/${scenario}/hops?since=${since}`)).body;
    if (page.hops.length === 0) return hops;
    hops.push(...page.hops);
    since = page.lastSeq;
  }
}

/** Processing hops beyond the first per message and destination: what the ledger calls duplicates. */
function duplicatesIn(hops: readonly Hop[]): number {
  const seen = new Set<string>();
  let duplicates = 0;
  for (const hop of hops) {
    if (!isMessageHop(hop) || !PROCESSED_KINDS.has(hop.kind)) continue;
    const key = `${hop.message.id}|${hop.kind}:${hop.message.destination}`;
    if (seen.has(key)) duplicates++;
    else seen.add(key);
  }
  return duplicates;
}

/** Publishes until the scenario takes it: right after a restart its producer may still be reconnecting. */
async function publishWhenReady(base: string, scenario: string, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call<{ ok: boolean; error?: { message: string } }>(base, "POST", `/api/scenarios/${scenario}/commands`, { type: "publish", count });
    if (res.status === 200) return;
    if (Date.now() > deadline) throw new Error(`publish refused for ${timeoutMs / 1000} s after the restart: ${res.body.error?.message}`);
    await sleep(250);
  }
}

async function settle(base: string, scenario: string, published: number): Promise<Ledger> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const ledger = await ledgerOf(base, scenario);
    if (ledger.published >= published && ledger.inFlight === 0) return ledger;
    if (Date.now() > deadline) return ledger;
    await sleep(500);
  }
}

/**
 * Runs `change` (a stop or a start) and returns when the broker's port first showed the new
 * state, watched every 50 ms meanwhile: a stop or a start command can take far longer than the
 * moment the broker actually went or came (Kafka's controlled shutdown, RabbitMQ's boot).
 */
async function whenPort(restarter: BrokerRestarter, answering: boolean, change: () => Promise<void>): Promise<number> {
  let seenAt: number | null = null;
  let changing = true;
  const watch = (async () => {
    while (changing && seenAt === null) {
      if ((await answers(restarter.endpoint)) === answering) seenAt = Date.now();
      else await sleep(50);
    }
  })();
  await change().finally(() => (changing = false));
  await watch;
  return seenAt ?? Date.now();
}

async function soakRound(hopscope: { base: string }, restarter: BrokerRestarter, health: ReturnType<typeof watchHealth>, round: number, downS: number): Promise<RoundResult> {
  const { broker } = restarter;
  const { scenario, perRound } = LOAD[broker];
  const base = hopscope.base;
  await call(base, "POST", `/api/scenarios/${scenario}/commands`, { type: "reset" });
  const half = perRound / 2;
  await publishWhenReady(base, scenario, half, 30_000);
  // Work in flight when the broker goes: held by workers, unacked, mid-pull.
  await sleep(400);

  health.forget();
  const stopRequestedAt = Date.now();
  const stoppedAt = await whenPort(restarter, false, () => restarter.stop());
  const noticedDownAt = await health.shown(broker, false, stopRequestedAt, 10_000);
  await sleep(Math.max(0, downS * 1000 - (Date.now() - stoppedAt)));
  const startRequestedAt = Date.now();
  const upAt = await whenPort(restarter, true, () => restarter.start());
  const noticedUpAt = await health.shown(broker, true, startRequestedAt, 30_000);
  await publishWhenReady(base, scenario, half, 120_000);
  const recoveredAt = Date.now();

  const ledger = await settle(base, scenario, perRound);
  const duplicatesFromHops = duplicatesIn(await everyHop(base, scenario));
  const problems: string[] = [];
  const noticedDownMs = Math.max(0, noticedDownAt - stoppedAt);
  const noticedUpMs = Math.max(0, noticedUpAt - upAt);
  if (ledger.published !== perRound) problems.push(`published ${ledger.published}, expected ${perRound}`);
  if (ledger.inFlight !== 0) problems.push(`${ledger.inFlight} still in flight after ${SETTLE_TIMEOUT_MS / 1000} s`);
  if (ledger.lost !== 0) problems.push(`lost ${ledger.lost}`);
  // Only a Redis that keeps nothing on disk may forget messages, and it must be said so.
  const unexplained = Object.entries(ledger.dropReasons).filter(([reason]) => !(broker === "redis" && reason === LOST_IN_RESTART));
  if (unexplained.length > 0) problems.push(`dropped: ${unexplained.map(([reason, n]) => `${n} ${reason}`).join("; ")}`);
  if (ledger.duplicates !== duplicatesFromHops) problems.push(`duplicates: ledger ${ledger.duplicates}, hops ${duplicatesFromHops}`);
  if (noticedDownMs > NOTICE_DOWN_LIMIT_MS) problems.push(`down noticed after ${noticedDownMs} ms`);
  if (noticedUpMs > NOTICE_UP_LIMIT_MS) problems.push(`back noticed after ${noticedUpMs} ms`);
  return { broker, round, downForS: (upAt - stoppedAt) / 1000, noticedDownMs, noticedUpMs, recoveredMs: recoveredAt - upAt, ledger, duplicatesFromHops, problems };
}

function printRow(r: RoundResult): void {
  const l = r.ledger;
  const given = [...Object.entries(l.dropReasons), ...Object.entries(l.lostReasons).map(([reason, n]) => [`lost: ${reason}`, n] as const)]
    .map(([reason, n]) => `${n} ${reason}`)
    .join("; ");
  console.log(
    `  ${r.broker.padEnd(8)} #${String(r.round).padEnd(3)} down ${r.downForS.toFixed(1).padStart(5)} s · noticed ${String(r.noticedDownMs).padStart(5)} ms, back ${String(r.noticedUpMs).padStart(5)} ms, publishing again ${String(r.recoveredMs).padStart(6)} ms · ` +
      `published ${l.published} completed ${l.completed} redelivered ${l.redelivered} duplicates ${l.duplicates}/${r.duplicatesFromHops} dead-lettered ${l.deadLettered} dropped ${l.dropped} lost ${l.lost} in flight ${l.inFlight}` +
      (given ? ` (${given})` : "") +
      (r.problems.length > 0 ? `\n      ✗ ${r.problems.join("; ")}` : " ✓"),
  );
}

function summarise(results: RoundResult[]): void {
  console.log("\nSummary");
  console.log("  broker    rounds  published  completed  lost  duplicates  redelivered  down noticed (max)  back noticed (max)  publishing again (max)");
  for (const broker of BROKERS) {
    const rows = results.filter((r) => r.broker === broker);
    if (rows.length === 0) continue;
    const sum = (pick: (r: RoundResult) => number) => rows.reduce((t, r) => t + pick(r), 0);
    const max = (pick: (r: RoundResult) => number) => Math.max(...rows.map(pick));
    console.log(
      `  ${broker.padEnd(9)} ${String(rows.length).padStart(6)}  ${String(sum((r) => r.ledger.published)).padStart(9)}  ${String(sum((r) => r.ledger.completed)).padStart(9)}  ${String(sum((r) => r.ledger.lost)).padStart(4)}  ${String(sum((r) => r.ledger.duplicates)).padStart(10)}  ${String(sum((r) => r.ledger.redelivered)).padStart(11)}  ${`${max((r) => r.noticedDownMs)} ms`.padStart(18)}  ${`${max((r) => r.noticedUpMs)} ms`.padStart(18)}  ${`${max((r) => r.recoveredMs)} ms`.padStart(22)}`,
    );
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: "string" }, brokers: { type: "string" }, "long-outage-s": { type: "string" }, "down-s": { type: "string" } } });
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) {
    console.error(`soak: ${parsed.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("; ")}`);
    process.exit(2);
  }
  const args = parsed.data;
  const config = loadConfig({ ...process.env, PORT: "0", HOST: "127.0.0.1", HOPSCOPE_NAMESPACE: `${hostSlug(hostname())}-soak` });
  const restarters = new Map<BrokerId, BrokerRestarter>();
  for (const broker of args.brokers) restarters.set(broker, await restarterFor(broker, config.urls));

  const hopscope: Hopscope = await createHopscope({ config, scenarios: SCENARIOS });
  const { port } = await hopscope.listen(0, "127.0.0.1");
  const base = `http://127.0.0.1:${port}`;
  const dashboard: Dashboard = connectSocket(base, { transports: ["websocket"] });
  const health = watchHealth(dashboard);
  const results: RoundResult[] = [];
  let current: BrokerRestarter | null = null;
  // A soak stopped midway must not leave a broker down for whoever comes next.
  const bringBack = async () => {
    if (current) await current.start().catch(() => undefined);
  };
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]] as const) {
    process.once(signal, () => void bringBack().finally(() => process.exit(code)));
  }

  console.log(`Soak: ${args.rounds} restart(s) of ${args.brokers.join(", ")}, each under load${args.brokers.includes("nats") && args["long-outage-s"] > 0 ? `; one NATS outage of ${args["long-outage-s"]} s` : ""}`);
  try {
    for (const broker of args.brokers) {
      const restarter = restarters.get(broker)!;
      const { scenario, settings } = LOAD[broker];
      const started = await call(base, "POST", `/api/scenarios/${scenario}/start`);
      if (started.status !== 200) throw new Error(`${scenario} did not start: ${JSON.stringify(started.body)}`);
      await call(base, "POST", `/api/scenarios/${scenario}/commands`, { type: "set", ...settings });
      for (let round = 1; round <= args.rounds; round++) {
        const downS = broker === "nats" && round === 1 && args["long-outage-s"] > 0 ? args["long-outage-s"] : args["down-s"];
        current = restarter;
        const result = await soakRound({ base }, restarter, health, round, downS);
        current = null;
        results.push(result);
        printRow(result);
      }
      await call(base, "POST", `/api/scenarios/${scenario}/stop`);
    }
  } finally {
    await bringBack();
    dashboard.disconnect();
    await hopscope.close();
  }
  summarise(results);
  const failed = results.filter((r) => r.problems.length > 0);
  if (failed.length > 0) {
    console.error(`\n✗ ${failed.length} of ${results.length} restarts broke a promise`);
    process.exit(1);
  }
  console.log(`\n✓ ${results.length} restarts: nothing lost, duplicates counted exactly, every outage shown and cleared`);
  process.exit(0);
}

void main().catch((error: unknown) => {
  console.error(`soak failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
