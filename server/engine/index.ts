import { EventEmitter } from "node:events";
import { wallClockMs } from "../../lib/clock";
import type { GaugeHistoryData } from "../../lib/gauge-history";
import { describeZodError, hopDraftSchema, isBroker, peekQuerySchema, PROTOCOL_VERSION, type PeekResult, type ApiError, type HealthReport, type Hop, type HopBatch, type HopDraft, type Ledger, type ScenarioInfo, type ScenarioSnapshot, type ScenarioState } from "../../lib/protocol";
import { encodeRecording, RECORDING_FORMAT, type Recording, type RecordingHeader } from "../../lib/recording";
import { assembleTraces, type Trace } from "../../lib/traces";
import type { HopTally } from "../actors/ipc";
import { ActorHandle } from "../actors/spawn";
import type { Config } from "../config";
import { BROKER_NAMES } from "../health";
import { HopBus, type TraceStore } from "../hop-bus";
import { BATCH_INTERVAL_MS, HOPS_PAGE_LIMIT, SNAPSHOT_HOPS } from "../options";
import type { ScenarioDefinition } from "../scenarios/model";
import type { LedgerRules } from "../../lib/ledger";
import type { ActorFactory } from "./actor";
import { runCommand, type CommandHost } from "./commands";
import { OBSERVED_INFO } from "../../lib/observed";
import { OBSERVED_ID, OBSERVED_RULES } from "./observed";
import { fail, ok, type Result } from "./result";
import { ScenarioRunner } from "./runner";

export type { Actor, ActorEvents, ActorFactory } from "./actor";
export { fail, ok, type Result } from "./result";

/** What the engine reads of broker health: the `HealthMonitor`, or a stand-in in tests. */
export interface HealthSource {
  current(): HealthReport;
  on(event: "change", listener: (report: HealthReport) => void): unknown;
}

/** Real actors: each one its own OS process. */
const spawnProcess: ActorFactory = (spec) => new ActorHandle(spec);

interface EngineEvents {
  hops: [HopBatch];
  state: [ScenarioState];
  reset: [string];
}

/** Runs the scenarios: the one place HTTP and Socket.IO commands end up. */
export class ScenarioEngine extends EventEmitter<EngineEvents> {
  readonly bus = new HopBus();
  private runners = new Map<string, ScenarioRunner>();
  private pumpTimer: NodeJS.Timeout | null = null;
  private readonly commandHost: CommandHost = {
    unavailable: (runner) => this.unavailable(runner),
    reset: (runner) => this.reset(runner),
    changed: (runner) => this.emit("state", this.stateOf(runner)),
  };

  /** Applications' own traffic, outside every scenario (see ./observed). */
  readonly observed: TraceStore;

  constructor(
    definitions: readonly ScenarioDefinition[],
    private readonly health: HealthSource,
    brokers: Pick<Config, "urls" | "namespace">,
    createActor: ActorFactory = spawnProcess,
  ) {
    super();
    this.observed = this.bus.register(OBSERVED_ID, OBSERVED_RULES);
    for (const definition of definitions) {
      const { id } = definition.info;
      const store = this.bus.register(id, definition.ledgerRules);
      const runner: ScenarioRunner = new ScenarioRunner(definition, store, {
        bus: this.bus,
        urls: brokers.urls,
        namespace: brokers.namespace,
        onChange: () => this.emit("state", this.stateOf(runner)),
        drain: () => this.pump(id),
        brokerUp: (broker) => health.current().brokers[broker].up,
        createActor,
      });
      this.runners.set(id, runner);
    }
    health.on("change", () => {
      for (const runner of this.runners.values()) this.emit("state", this.stateOf(runner));
    });
  }

  list(): ScenarioInfo[] {
    return [...this.runners.values()].map((r) => r.info);
  }

  startPumping(intervalMs = BATCH_INTERVAL_MS): void {
    this.pumpTimer ??= setInterval(() => this.pump(), intervalMs);
  }

  /** Sequences waiting hops and hands each scenario's batch to whoever listens. */
  pump(drainScenarioId?: string): void {
    const batches = this.bus.flush(wallClockMs(), drainScenarioId);
    for (const [scenarioId, { afterSeq, hops }] of batches) {
      const store = this.runners.get(scenarioId)?.store ?? (scenarioId === OBSERVED_ID ? this.observed : undefined);
      if (!store) continue;
      this.emit("hops", { scenarioId, afterSeq, hops, ledger: store.ledgerSnapshot(), latency: store.latencySummary() });
    }
  }

  async start(id: string): Promise<Result<ScenarioState>> {
    const runner = this.runners.get(id);
    if (!runner) return this.unknown(id);
    const down = this.unavailable(runner);
    if (down) return fail("broker-down", down);
    try {
      await runner.start();
    } catch (error) {
      return fail("internal", `Could not start ${id}: ${(error as Error).message}`);
    }
    return ok(this.stateOf(runner));
  }

  async stop(id: string): Promise<Result<ScenarioState>> {
    const runner = this.runners.get(id);
    if (!runner) return this.unknown(id);
    await runner.stop();
    return ok(this.stateOf(runner));
  }

  async command(id: string, raw: unknown): Promise<Result<unknown>> {
    const runner = this.runners.get(id);
    if (!runner) return this.unknown(id);
    return runCommand(runner, raw, this.commandHost);
  }

  /**
   * Hops seen in applications' own traffic; they pass the reorder window like any other. Made
   * from what other programs sent, each is held to the hop contract first, as an actor's is.
   */
  ingestObserved(hops: HopDraft[]): void {
    this.bus.ingest(hops.filter((hop) => hopDraftSchema.safeParse(hop).success));
  }

  /** Observed hops after `since`, oldest first, and the ledger they add up to. */
  observedHops(since: number, limit = HOPS_PAGE_LIMIT): { hops: Hop[]; lastSeq: number; ledger: Ledger } {
    const hops = this.observed.after(since, Math.min(limit, HOPS_PAGE_LIMIT));
    return { hops, lastSeq: hops.at(-1)?.seq ?? since, ledger: this.observed.ledgerSnapshot() };
  }

  /** For the bench: hop reporting on, or counted in the actors; resolves with what they counted since the last switch. */
  async tallyHops(id: string, mode: "on" | "count"): Promise<Result<HopTally>> {
    const runner = this.runners.get(id);
    if (!runner) return this.unknown(id);
    return ok(await runner.tallyHops(mode));
  }

  /** For the broker's witness: the scenario's NATS publishes traced to this subject, or no longer (null). */
  async traceNats(id: string, to: string | null): Promise<Result<null>> {
    const runner = this.runners.get(id);
    if (!runner) return this.unknown(id);
    await runner.traceNats(to);
    return ok(null);
  }

  state(id: string): Result<ScenarioState> {
    const runner = this.runners.get(id);
    return runner ? ok(this.stateOf(runner)) : this.unknown(id);
  }

  /** Oldest first; `lastSeq` is where the next page starts, so paging never skips a hop. */
  hops(id: string, since: number, limit = HOPS_PAGE_LIMIT): Result<{ hops: Hop[]; lastSeq: number }> {
    const runner = this.runners.get(id);
    if (!runner) return this.unknown(id);
    const hops = runner.store.after(since, Math.min(limit, HOPS_PAGE_LIMIT));
    return ok({ hops, lastSeq: hops.at(-1)?.seq ?? Math.max(since, runner.store.lastSeq) });
  }

  /**
   * Every hop already sequenced, oldest first: what a comparison's table is computed from. Hops
   * still in the reorder window wait for it, rather than be released out of order for a reader.
   */
  buffered(id: string): Result<Hop[]> {
    const runner = this.runners.get(id);
    if (!runner) return this.unknown(id);
    return ok(runner.store.hops.toArray());
  }

  /** The hops after `since` still in the buffer, as a recording a browser replays without brokers. */
  recording(id: string, since: number): Result<string> {
    const recording = this.recordingOf(id, since);
    return recording.ok ? ok(encodeRecording(recording.result.header, recording.result.hops)) : recording;
  }

  /** The header and hops of `recording`, for a file that holds several scenarios (a comparison). */
  recordingOf(id: string, since: number): Result<Recording> {
    const runner = this.runners.get(id);
    if (id === OBSERVED_ID) return ok(this.recordingOfStore(this.observed, since, OBSERVED_INFO, OBSERVED_RULES, this.observedState()));
    if (!runner) return this.unknown(id);
    return ok(this.recordingOfStore(runner.store, since, runner.info, runner.definition.ledgerRules, this.stateOf(runner)));
  }

  private recordingOfStore(store: TraceStore, since: number, scenario: ScenarioInfo, rules: LedgerRules, state: ScenarioState): Recording {
    this.pump(scenario.id);
    const hops = store.after(since, Number.MAX_SAFE_INTEGER);
    // The buffer keeps the newest hops only: once it has let some go, a recording from before
    // its oldest hop misses its beginning, and says so.
    const oldest = store.hops.at(0);
    const truncated = store.count > store.hops.size && oldest !== undefined && since < oldest.seq - 1;
    const header: RecordingHeader = { format: RECORDING_FORMAT, v: PROTOCOL_VERSION, recordedAt: new Date().toISOString(), scenario, rules, state, ...(truncated ? { truncated } : {}) };
    return { header, hops };
  }

  /** The observed traffic as a scenario's state: no actors of Hopscope's own, the ledger its hops add up to. */
  private observedState(): ScenarioState {
    return { id: OBSERVED_ID, running: true, actors: [], ledger: this.observed.ledgerSnapshot(), latency: this.observed.latencySummary(), settings: {}, gauges: {}, unavailable: null };
  }

  trace(id: string, traceId: string): Result<Trace> {
    const runner = this.runners.get(id);
    if (!runner) return this.unknown(id);
    const hops = runner.store.hops.toArray().filter((h) => "message" in h && h.message.traceId === traceId);
    const trace = assembleTraces(hops, runner.info).get(traceId);
    return trace ? ok(trace) : fail("not-found", `no trace "${traceId}" in ${id}'s buffer`);
  }

  /** A scenario's, or the observed traffic's (`observe`): what a browser starts watching from. */
  snapshot(id: string): Result<ScenarioSnapshot> {
    if (id === OBSERVED_ID) {
      const store = this.observed;
      return ok({ v: PROTOCOL_VERSION, scenario: OBSERVED_INFO, state: this.observedState(), hops: store.newest(SNAPSHOT_HOPS), lastSeq: store.lastSeq, totalHops: store.count });
    }
    const runner = this.runners.get(id);
    if (!runner) return this.unknown(id);
    return ok({ v: PROTOCOL_VERSION, scenario: runner.info, state: this.stateOf(runner), hops: runner.store.newest(SNAPSHOT_HOPS), lastSeq: runner.store.lastSeq, totalHops: runner.store.count, gaugeHistory: runner.gaugeHistory() });
  }

  /**
   * What the broker stores for one of the scenario's peek targets (`?target=&limit=`), whether
   * or not it runs: a dead-letter queue outlives a run.
   */
  async peek(id: string, rawQuery: unknown): Promise<Result<PeekResult>> {
    const runner = this.runners.get(id);
    if (!runner) return this.unknown(id);
    const query = peekQuerySchema.safeParse(rawQuery);
    if (!query.success) return fail("bad-request", describeZodError(query.error));
    const targets = runner.info.peek ?? [];
    const first = targets[0];
    if (!first) {
      const peekable = [...this.runners.values()].filter((r) => r.info.peek?.length).map((r) => r.info.id);
      return fail("not-found", `${id} has nothing to peek at. These do: ${peekable.join(", ")}`);
    }
    const target = query.data.target ?? first.id;
    if (!targets.some((t) => t.id === target)) return fail("bad-request", `target: ${id} has no "${target}". Known: ${targets.map((t) => t.id).join(", ")}`);
    const down = this.unavailable(runner);
    if (down) return fail("broker-down", down);
    return (await runner.peek(target, query.data.limit)) ?? fail("not-found", `${id} has nothing to peek at`);
  }

  /** Each gauge's readings over the last few minutes of this run. */
  gaugeHistory(id: string): Result<GaugeHistoryData> {
    const runner = this.runners.get(id);
    return runner ? ok(runner.gaugeHistory()) : this.unknown(id);
  }

  async close(): Promise<void> {
    if (this.pumpTimer) clearInterval(this.pumpTimer);
    this.pumpTimer = null;
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
  }

  private reset(runner: ScenarioRunner): { reset: true } {
    // Hops of this scenario still waiting in the reorder window belong to the old ledger.
    this.pump(runner.info.id);
    runner.store.reset();
    runner.forgetDead();
    runner.forgetGaugeHistory();
    this.emit("reset", runner.info.id);
    this.emit("state", this.stateOf(runner));
    return { reset: true };
  }

  private stateOf(runner: ScenarioRunner): ScenarioState {
    return runner.state(this.unavailable(runner));
  }

  /** Why the scenario cannot run now: every one of its brokers that does not answer, by name. */
  private unavailable(runner: ScenarioRunner): string | null {
    const report = this.health.current().brokers;
    // gRPC has no broker to be down: its servers are the scenario's own actors.
    const down = runner.info.brokers.filter(isBroker).filter((broker) => !report[broker].up);
    if (down.length === 0) return null;
    return down.map((broker) => `${BROKER_NAMES[broker]} is down at ${report[broker].url} (${report[broker].error ?? "unreachable"}). Start it with: ${report[broker].startCommand}`).join(" ");
  }

  private unknown(id: string): { ok: false; error: ApiError } {
    return fail("not-found", `No scenario "${id}". Known: ${[...this.runners.keys()].join(", ")}`);
  }
}
