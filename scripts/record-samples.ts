/**
 * Records one short run of every scenario, as its declaration's `demo` tells it, and of every
 * comparison (one burst and one kill on every side), against a running Hopscope (real brokers, a
 * real SIGKILL where there are killable actors) into public/recordings, so a workshop can replay
 * them offline. Usage: tsx scripts/record-samples.ts [baseUrl] [id,id...] (scenario or comparison ids)
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { parseComparisonRecording } from "../lib/comparison-recording";
import { COMPARISONS, type ComparisonInfo } from "../lib/comparisons";
import { parseRecording } from "../lib/recording";
import type { ScenarioInfo } from "../lib/protocol";
import { SCENARIOS } from "../server/scenarios";
import { apiAt, playComparisonDemo, playDemo, type ComparisonDemo } from "./demo";

const base = process.argv[2] ?? "http://127.0.0.1:3000";
const only = process.argv[3]?.split(",");
const out = "public/recordings";
const comparisonsOut = `${out}/comparisons`;
/** Small enough to ship, and enough for every side's victim to hold something. */
const COMPARISON_DEMO: ComparisonDemo = { count: 50, killAfterMs: 1_500 };

const api = apiAt(base);
const call = api.call.bind(api);

async function record(info: ScenarioInfo): Promise<void> {
  const scenario = SCENARIOS.find((s) => s.info.id === info.id);
  if (!scenario) throw new Error(`${info.id} is not a scenario of this checkout`);
  const id = info.id;
  process.stdout.write(`  … ${id} `);
  await playDemo(api, scenario);
  const res = await fetch(`${base}/api/scenarios/${id}/recording?since=0`);
  const text = await res.text();
  const parsed = parseRecording(text);
  if (!parsed.ok) throw new Error(`${id}: ${parsed.error}`);
  writeFileSync(`${out}/${id}.ndjson`, text);
  await call("POST", `/api/scenarios/${id}/stop`);
  console.log(`${parsed.recording.hops.length} hops, ${(text.length / 1024).toFixed(0)} KB`);
}

async function recordComparison(info: ComparisonInfo): Promise<void> {
  process.stdout.write(`  … ${info.id} `);
  await playComparisonDemo(api, info.id, COMPARISON_DEMO);
  const res = await fetch(`${base}/api/comparisons/${info.id}/recording?since=0`);
  const text = await res.text();
  const parsed = parseComparisonRecording(text);
  if (!parsed.ok) throw new Error(`${info.id}: ${parsed.error}`);
  writeFileSync(`${comparisonsOut}/${info.id}.ndjson`, text);
  await call("POST", `/api/comparisons/${info.id}/stop`);
  console.log(`${parsed.recording.hops.length} hops, ${(text.length / 1024).toFixed(0)} KB`);
}

async function main(): Promise<void> {
  mkdirSync(comparisonsOut, { recursive: true });
  const scenarios = await call<ScenarioInfo[]>("GET", "/api/scenarios");
  const wanted = (id: string) => !only || only.includes(id);
  console.log(`Recording from ${base}:`);
  for (const info of scenarios) if (wanted(info.id)) await record(info);
  for (const info of COMPARISONS) if (wanted(info.id)) await recordComparison(info);
  const recordings = scenarios.filter((s) => existsSync(`${out}/${s.id}.ndjson`)).map((s) => ({ id: s.id, title: s.title, path: `/recordings/${s.id}.ndjson` }));
  const comparisons = COMPARISONS.filter((c) => existsSync(`${comparisonsOut}/${c.id}.ndjson`)).map((c) => ({ id: c.id, title: c.title, path: `/recordings/comparisons/${c.id}.ndjson` }));
  const index = `${JSON.stringify({ recordings, comparisons }, null, 2)}\n`;
  if (!existsSync(`${out}/index.json`) || readFileSync(`${out}/index.json`, "utf8") !== index) writeFileSync(`${out}/index.json`, index);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
