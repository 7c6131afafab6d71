/**
 * Records one short run of every scenario against a running Hopscope (real brokers, a real
 * SIGKILL where the scenario has killable actors) into public/recordings, so a workshop can
 * replay them offline. Usage: tsx scripts/record-samples.ts [baseUrl] [scenario,scenario...]
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { parseRecording } from "../lib/recording";
import type { ScenarioInfo, ScenarioState } from "../lib/protocol";

const base = process.argv[2] ?? "http://127.0.0.1:3000";
const only = process.argv[3]?.split(",");
const out = "public/recordings";

async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const res = await fetch(base + path, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Script {
  settings?: Record<string, number>;
  /** Actors to add before recording. */
  add?: string[];
  /** Publishes before the kill, after it. */
  before: Record<string, unknown>[];
  after?: Record<string, unknown>[];
  /** The role whose first live member is SIGKILLed, and when. */
  kill?: { role: string; afterMs: number };
  settleMs: number;
}

const SCRIPTS: Record<string, Script> = {
  "nats-request-reply": { settings: { delayMs: 250, timeoutMs: 900, retries: 3 }, before: [{ count: 5 }], kill: { role: "responder", afterMs: 300 }, settleMs: 4000 },
  "rabbitmq-work-queue": { settings: { delayMs: 500, prefetch: 3, failRate: 0.25, maxAttempts: 2 }, before: [{ count: 8 }], kill: { role: "worker", afterMs: 700 }, settleMs: 7000 },
  "rabbitmq-rpc": { settings: { delayMs: 400 }, before: [{ count: 5 }], kill: { role: "responder", afterMs: 250 }, settleMs: 4000 },
  "rabbitmq-exchanges": {
    before: [
      { exchange: "orders.topic", key: "orders.eu.created" },
      { exchange: "orders.direct", key: "paid" },
      { exchange: "orders.fanout" },
      { exchange: "orders.headers", headers: { tier: "gold", region: "eu" } },
      { exchange: "orders.direct", key: "refunded" },
    ],
    settleMs: 3000,
  },
  "redis-pubsub": { before: [{ count: 3 }], kill: { role: "subscriber", afterMs: 800 }, after: [{ count: 3 }], settleMs: 2000 },
  "redis-streams": { settings: { delayMs: 600, failRate: 0, minIdleMs: 1000 }, before: [{ count: 5 }], kill: { role: "email-service", afterMs: 400 }, settleMs: 8000 },
  "nats-queue-group": { settings: { delayMs: 400 }, before: [{ count: 9 }], kill: { role: "worker", afterMs: 500 }, after: [{ count: 4 }], settleMs: 4000 },
  "nats-pubsub": { before: [{ count: 2 }, { count: 2, key: "order_status_updated" }], kill: { role: "subscriber", afterMs: 800 }, after: [{ count: 2 }], settleMs: 2000 },
  "nats-jetstream": { settings: { delayMs: 1200, ackWaitMs: 2000, failRate: 0 }, before: [{ count: 4 }], kill: { role: "worker", afterMs: 500 }, settleMs: 8000 },
  "kafka-consumer-group": { settings: { delayMs: 300 }, add: ["consumer"], before: [{ count: 12 }], kill: { role: "consumer", afterMs: 1200 }, settleMs: 14_000 },
};

async function record(info: ScenarioInfo): Promise<void> {
  const script = SCRIPTS[info.id];
  if (!script) throw new Error(`no recording script for ${info.id}`);
  const id = info.id;
  const command = (body: Record<string, unknown>) => call("POST", `/api/scenarios/${id}/commands`, body);
  process.stdout.write(`  … ${id} `);
  await call("POST", `/api/scenarios/${id}/stop`);
  await call("POST", `/api/scenarios/${id}/start`);
  for (const role of script.add ?? []) await command({ type: "add-actor", role });
  if (script.settings) await command({ type: "set", ...script.settings });
  // Let consumer groups settle before the story starts.
  await sleep(info.broker === "kafka" ? 8000 : 500);
  await command({ type: "reset" });
  for (const publish of script.before) await command({ type: "publish", ...publish });
  if (script.kill) {
    await sleep(script.kill.afterMs);
    const state = await call<ScenarioState>("GET", `/api/scenarios/${id}/state`);
    const victim = state.actors.find((a) => a.role === script.kill?.role && a.alive);
    if (victim) await command({ type: "kill-actor", actorId: victim.id });
  }
  for (const publish of script.after ?? []) {
    await sleep(300);
    await command({ type: "publish", ...publish });
  }
  await sleep(script.settleMs);
  const res = await fetch(`${base}/api/scenarios/${id}/recording?since=0`);
  const text = await res.text();
  const parsed = parseRecording(text);
  if (!parsed.ok) throw new Error(`${id}: ${parsed.error}`);
  writeFileSync(`${out}/${id}.ndjson`, text);
  await call("POST", `/api/scenarios/${id}/stop`);
  console.log(`${parsed.recording.hops.length} hops, ${(text.length / 1024).toFixed(0)} KB`);
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  const scenarios = await call<ScenarioInfo[]>("GET", "/api/scenarios");
  console.log(`Recording ${only ? only.length : scenarios.length} scenario(s) from ${base}:`);
  for (const info of scenarios) if (!only || only.includes(info.id)) await record(info);
  const recordings = scenarios.filter((s) => existsSync(`${out}/${s.id}.ndjson`)).map((s) => ({ id: s.id, title: s.title, path: `/recordings/${s.id}.ndjson` }));
  const index = `${JSON.stringify({ recordings }, null, 2)}\n`;
  if (!existsSync(`${out}/index.json`) || readFileSync(`${out}/index.json`, "utf8") !== index) writeFileSync(`${out}/index.json`, index);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
