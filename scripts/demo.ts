/**
 * Plays a scenario's demo storyline (from its declaration) against a running Hopscope over the
 * automation API: the recorder and the screenshots tell the same story.
 */
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
