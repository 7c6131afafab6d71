/**
 * Comparisons: several scenarios driven together. A publish goes to every side, and a kill takes
 * one member of each side's kill role in the same tick, each the one holding the most work, so
 * every side has something to show. The table comes from each side's hops (lib/comparisons.ts).
 */
import { z } from "zod";
import { COMPARISONS, comparisonById, summarizeSide, type ComparisonInfo, type ComparisonSideView, type ComparisonView } from "../lib/comparisons";
import { COMPARISON_RECORDING_FORMAT, COMPARISON_RECORDING_VERSION, encodeComparisonRecording, type ComparisonRecordingHeader } from "../lib/comparison-recording";
import { unsettledBy } from "../lib/hops";
import { describeZodError } from "../lib/protocol";
import type { Recording } from "../lib/recording";
import type { ScenarioEngine } from "./engine";
import { fail, ok, type Result } from "./engine/result";
import { KILL_WAIT_FOR_WORK_MS } from "./options";

export const comparisonCommandSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("publish"), count: z.number().int().min(1).max(1000).default(1) }),
  z.object({ type: z.literal("kill") }),
  z.object({ type: z.literal("add") }),
  z.object({ type: z.literal("reset") }),
  z.object({ type: z.literal("comeback") }),
]);

/** Per side: what it answered, or why it refused. */
type PerSide = Record<string, { ok: true; result: unknown } | { ok: false; error: string }>;

export class Comparisons {
  constructor(private readonly engine: ScenarioEngine) {}

  list(): ComparisonInfo[] {
    return [...COMPARISONS];
  }

  view(id: string): Result<ComparisonView> {
    const info = comparisonById(id);
    if (!info) return this.unknown(id);
    const sides: ComparisonSideView[] = [];
    let lastSeq = 0;
    let totalHops = 0;
    for (const side of info.sides) {
      const state = this.engine.state(side.scenarioId);
      const hops = this.engine.buffered(side.scenarioId);
      if (!state.ok) return state;
      if (!hops.ok) return hops;
      sides.push({ state: state.result, summary: summarizeSide(side, hops.result, state.result) });
      lastSeq = Math.max(lastSeq, hops.result.at(-1)?.seq ?? 0);
      totalHops += hops.result.length;
    }
    return ok({ info, sides, lastSeq, totalHops });
  }

  /** Every side's hops after `since` (one seq counts for all scenarios) as one file that replays without brokers. */
  recording(id: string, since: number): Result<string> {
    const info = comparisonById(id);
    if (!info) return this.unknown(id);
    const sides: Recording[] = [];
    for (const side of info.sides) {
      const recording = this.engine.recordingOf(side.scenarioId, since);
      if (!recording.ok) return recording;
      sides.push(recording.result);
    }
    const header: ComparisonRecordingHeader = {
      format: COMPARISON_RECORDING_FORMAT,
      version: COMPARISON_RECORDING_VERSION,
      recordedAt: new Date().toISOString(),
      comparison: info,
      sides: sides.map((side) => side.header),
    };
    const hops = sides.flatMap((side) => side.hops).sort((a, b) => a.seq - b.seq);
    return ok(encodeComparisonRecording(header, hops));
  }

  /** Starts every side (each with the comparison's settings); a side that cannot start says why. */
  async start(id: string): Promise<Result<PerSide>> {
    const info = comparisonById(id);
    if (!info) return this.unknown(id);
    return ok(
      await this.eachSide(info, async (side) => {
        const started = await this.engine.start(side.scenarioId);
        if (!started.ok || !side.settings) return started;
        return this.engine.command(side.scenarioId, { type: "set", ...side.settings });
      }),
    );
  }

  async stop(id: string): Promise<Result<PerSide>> {
    const info = comparisonById(id);
    if (!info) return this.unknown(id);
    return ok(await this.eachSide(info, (side) => this.engine.stop(side.scenarioId)));
  }

  async command(id: string, raw: unknown): Promise<Result<PerSide>> {
    const info = comparisonById(id);
    if (!info) return this.unknown(id);
    const parsed = comparisonCommandSchema.safeParse(raw);
    if (!parsed.success) return fail("bad-request", describeZodError(parsed.error));
    const command = parsed.data;
    if (command.type === "publish") return ok(await this.eachSide(info, (side) => this.engine.command(side.scenarioId, { type: "publish", count: command.count })));
    if (command.type === "reset") return ok(await this.eachSide(info, (side) => this.engine.command(side.scenarioId, { type: "reset" })));
    if (command.type === "add") return ok(await this.eachSide(info, (side) => this.engine.command(side.scenarioId, { type: "add-actor", role: side.killRole })));
    if (command.type === "comeback") return this.comeback(info);
    // Chosen first, killed together: the kills land within the same tick on every side.
    const victims = await this.victimsHoldingWork(info);
    return ok(
      await this.eachSide(info, async (side) => {
        const victim = victims.find((v) => v.side === side)?.victim;
        if (!victim) return fail("conflict", `no live ${side.killRole} to kill`);
        return this.engine.command(side.scenarioId, { type: "kill-actor", actorId: victim });
      }),
    );
  }

  /** The killed service starts again on every side where its role has no live member. */
  private async comeback(info: ComparisonInfo): Promise<Result<PerSide>> {
    if (!info.comeback) return fail("bad-request", `type: ${info.id} has no comeback; its commands are publish, kill, add and reset`);
    return ok(
      await this.eachSide(info, async (side) => {
        const state = this.engine.state(side.scenarioId);
        if (state.ok && state.result.actors.some((a) => a.alive && a.role === side.killRole)) return fail("conflict", `${side.killRole} is not down`);
        return this.engine.command(side.scenarioId, { type: "add-actor", role: side.killRole });
      }),
    );
  }

  /**
   * Each side's victim, at a moment when every one of them holds work as far as the server has
   * heard: a worker that takes one job at a time is between jobs for an instant after each ack,
   * and a kill then would show nothing held. Waits a moment at most, then takes what there is.
   */
  private async victimsHoldingWork(info: ComparisonInfo): Promise<{ side: ComparisonInfo["sides"][number]; victim: string | null }[]> {
    const deadline = Date.now() + KILL_WAIT_FOR_WORK_MS;
    for (;;) {
      const victims = info.sides.map((side) => ({ side, ...this.busiest(side.scenarioId, side.killRole) }));
      if (victims.every((v) => v.held > 0) || Date.now() >= deadline) return victims;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /**
   * The live member of the role holding the most unsettled deliveries. Among equals, the one that
   * took its work last: a worker that reads one job at a time and is about to ack it could have
   * let go of it by the time the kill lands, and the comparison would show nothing held.
   */
  private busiest(scenarioId: string, role: string): { victim: string | null; held: number } {
    const state = this.engine.state(scenarioId);
    const hops = this.engine.buffered(scenarioId);
    if (!state.ok || !hops.ok) return { victim: null, held: 0 };
    const live = state.result.actors.filter((a) => a.alive && a.role === role);
    let best: { id: string; held: number; newest: number } | null = null;
    for (const actor of live) {
      const deliveries = unsettledBy(hops.result, actor.id);
      const held = deliveries.length;
      const newest = Math.max(-Infinity, ...deliveries.map((d) => d.at));
      if (!best || held > best.held || (held === best.held && newest > best.newest)) best = { id: actor.id, held, newest };
    }
    return { victim: best?.id ?? null, held: best?.held ?? 0 };
  }

  private async eachSide(info: ComparisonInfo, act: (side: ComparisonInfo["sides"][number]) => Promise<Result<unknown>>): Promise<PerSide> {
    const results = await Promise.all(info.sides.map(act));
    const out: PerSide = {};
    info.sides.forEach((side, i) => {
      const result = results[i];
      out[side.scenarioId] = result?.ok ? { ok: true, result: result.result } : { ok: false, error: result ? result.error.message : "no answer" };
    });
    return out;
  }

  private unknown(id: string): Result<never> {
    return fail("not-found", `No comparison "${id}"; comparisons are ${COMPARISONS.map((c) => c.id).join(", ")}`);
  }
}
