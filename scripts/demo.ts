/**
 * Plays a scenario's demo storyline (from its declaration) against a running Hopscope over the
 * automation API: the recorder and the screenshots tell the same story.
 */
import { comparisonById, type ComparisonView } from "../lib/comparisons";
import type { ScenarioState } from "../lib/protocol";
import type { ScenarioDefinition } from "../server/scenarios/model";

export interface Api {
  call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T>;
}

export function apiAt(base: string): Api {
  return {
    async call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
      const res = await fetch(base + path, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return JSON.parse(text) as T;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the scenario afresh, plays its story, and waits until it has settled. */
export async function playDemo(api: Api, scenario: ScenarioDefinition): Promise<void> {
  const { id } = scenario.info;
  const script = scenario.demo;
  const command = (body: Record<string, unknown>) => api.call("POST", `/api/scenarios/${id}/commands`, body);
  await api.call("POST", `/api/scenarios/${id}/stop`);
  await api.call("POST", `/api/scenarios/${id}/start`);
  for (const role of script.add ?? []) await command({ type: "add-actor", role });
  if (script.settings) await command({ type: "set", ...script.settings });
  // Consumer groups take a while to settle before the story starts.
  await sleep(script.warmupMs ?? 500);
  await command({ type: "reset" });
  for (const publish of script.before) await command({ type: "publish", ...publish });
  if (script.kill) {
    await sleep(script.kill.afterMs);
    const state = await api.call<ScenarioState>("GET", `/api/scenarios/${id}/state`);
    const victim = state.actors.find((a) => a.role === script.kill?.role && a.alive);
    if (victim) await command({ type: "kill-actor", actorId: victim.id });
  }
  for (const publish of script.after ?? []) {
    await sleep(300);
    await command({ type: "publish", ...publish });
  }
  if (script.kill && script.replaceAfterMs !== undefined) {
    await sleep(script.replaceAfterMs);
    await command({ type: "add-actor", role: script.kill.role });
  }
  await sleep(script.settleMs);
}

/** How a comparison's demo goes: one burst on every side, then one kill on every side. */
export interface ComparisonDemo {
  count: number;
  /** From the burst to the kill: long enough for every side's workers to hold some of it. */
  killAfterMs: number;
}

/**
 * Starts a comparison afresh, publishes to every side, kills one worker on every side, and waits
 * until each side has recovered what its victim held and has nothing in flight (or a minute).
 */
export async function playComparisonDemo(api: Api, id: string, demo: ComparisonDemo): Promise<void> {
  const path = `/api/comparisons/${id}`;
  // A fresh start: every side with its full set of workers.
  await api.call("POST", `${path}/stop`);
  await api.call("POST", `${path}/start`);
  await sleep(1_000);
  await api.call("POST", `${path}/commands`, { type: "reset" });
  await api.call("POST", `${path}/commands`, { type: "publish", count: demo.count });
  await sleep(demo.killAfterMs);
  await api.call("POST", `${path}/commands`, { type: "kill" });
  // Where the killed service comes back, the story is what was sent while it was down.
  const comesBack = comparisonById(id)?.comeback !== undefined;
  if (comesBack) {
    await sleep(1_000);
    await api.call("POST", `${path}/commands`, { type: "publish", count: Math.ceil(demo.count / 4) });
    await sleep(2_000);
    await api.call("POST", `${path}/commands`, { type: "comeback" });
    await sleep(1_000);
    await api.call("POST", `${path}/commands`, { type: "publish", count: Math.ceil(demo.count / 10) });
  }
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const view = await api.call<ComparisonView>("GET", path);
    const settled = (side: ComparisonView["sides"][number]) =>
      side.summary.victim !== null && side.summary.waiting === 0 && side.state.ledger.inFlight === 0 && (!comesBack || (side.summary.backAt !== null && side.summary.missed + side.summary.caughtUp === side.summary.whileDown));
    if (view.sides.every(settled)) break;
    await sleep(500);
  }
  await sleep(500);
}
