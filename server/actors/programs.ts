import type { TransportId } from "../../lib/protocol";
import { BENCH_SCENARIO } from "../bench/scenario";
import type { ScenarioDefinition } from "../scenarios/model";
import { SCENARIOS } from "../scenarios";
import type { ActorProgram } from "./runtime";

/** The benchmark's own scenario is not in the catalogue, but its actors run like any other. */
const RUNNABLE: readonly ScenarioDefinition[] = [...SCENARIOS, BENCH_SCENARIO];

/** The program that plays a scenario's role, as its declaration names it. */
export function programFor(scenarioId: string, role: string): { program: ActorProgram<string>; transport: TransportId } {
  const scenario = RUNNABLE.find((s) => s.info.id === scenarioId);
  if (!scenario) throw new Error(`no scenario "${scenarioId}"`);
  const spec = scenario.roles.get(role);
  if (!spec) throw new Error(`${scenarioId} has no role "${role}"`);
  return { program: spec.program, transport: spec.transport };
}
