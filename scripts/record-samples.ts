/**
 * Records one short run of every scenario, as its declaration's `demo` tells it, against a
 * running Hopscope (real brokers, a real SIGKILL where the scenario has killable actors) into
 * public/recordings, so a workshop can
 * replay them offline. Usage: tsx scripts/record-samples.ts [baseUrl] [scenario,scenario...]
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { parseRecording } from "../lib/recording";
import type { ScenarioInfo } from "../lib/protocol";
import { SCENARIOS } from "../server/scenarios";
import { apiAt, playDemo } from "./demo";

const base = process.argv[2] ?? "http://127.0.0.1:3000";
const only = process.argv[3]?.split(",");
const out = "public/recordings";

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
