import { EventEmitter } from "node:events";
import { assembleTraces, type Trace } from "../lib/traces";
import { wallClockMs } from "../lib/clock";
import {
  PROTOCOL_VERSION,
  commandSchema,
  isMessageHop,
  describeZodError,
  type ActorHopDraft,
  type ApiError,
  type ErrorCode,
  type Hop,
  type HopBatch,
  type HopDraft,
  type MessageHop,
  type LiveLayout,
  type ScenarioInfo,
  type ScenarioSnapshot,
  type ScenarioState,
  type SettingsValues,
} from "../lib/protocol";
import { compareIds } from "../lib/cast";
import { ActorHandle } from "./actors/spawn";
import type { Config } from "./config";
import { BROKER_NAMES, type HealthMonitor } from "./health";
import { HopBus, type TraceStore } from "./hop-bus";
import { ACTOR_STOP_GRACE_MS, BATCH_INTERVAL_MS, HOPS_PAGE_LIMIT, SNAPSHOT_HOPS } from "./options";
import type { GaugeReader, ScenarioDefinition } from "./scenarios/definition";
import { DELIVERY_KINDS } from "../lib/hops";
import type { LedgerRules } from "../lib/ledger";
import { encodeRecording, RECORDING_FORMAT, type RecordingHeader } from "../lib/recording";

function ledgerRulesOf(definition: ScenarioDefinition): LedgerRules {
  return {
    guarantee: definition.info.guarantee,
    ...(definition.completesOn ? { completesOn: definition.completesOn } : {}),
    ...(definition.exclusiveDelivery ? { exclusiveDelivery: true } : {}),
    ...(definition.info.checksKeyOrder ? { keyOrder: true } : {}),
  };
}

export type Result<T> = { ok: true; result: T } | { ok: false; error: ApiError };

export function fail(code: ErrorCode, message: string): { ok: false; error: ApiError } {
  return { ok: false, error: { code, message } };
}

function ok<T>(result: T): { ok: true; result: T } {
  return { ok: true, result };
}

/** Killed and exited actors stay listed (their lifelines keep the cross) up to this many. */
const DEAD_ACTORS_KEPT = 16;

/** How often broker figures (queue depth, consumers) are read while a scenario runs. */
const GAUGE_INTERVAL_MS = 1_000;
/** Hops by which a consumer gives a delivery back to the broker, one way or another. */
const SETTLED_BY_CONSUMER: ReadonlySet<string> = new Set(["acked", "processed", "nacked", "dead-lettered"]);
/** Lets the last IPC messages of a killed actor arrive before its unacked messages are listed. */
const REQUEUE_SETTLE_MS = 50;

/** Backoff before an actor that died on its own is replaced, growing to the last value. */
const RESPAWN_BACKOFF_MS = [500, 1_000, 2_000, 5_000];
/** A replacement alive this long counts as recovered. */
const RESPAWN_STABLE_MS = 10_000;

interface RunnerDeps {
  bus: HopBus;
  brokerUrl: string;
  onChange: () => void;
  /** Whether the scenario's broker answers now. */
  brokerUp: () => boolean;
  /** Sequences everything this scenario has waiting, so the store is complete. */
  drain: () => void;
}

class ScenarioRunner {
  running = false;
  settings: SettingsValues;
  gauges: Record<string, Record<string, number>> = {};
  layout: LiveLayout | null = null;
  private actors = new Map<string, ActorHandle>();
  private nextNumber = new Map<string, number>();
  private starting: Promise<void> | null = null;
  private gaugeReader: GaugeReader | null = null;
  private gaugeTimer: NodeJS.Timeout | null = null;
  private respawnTimers = new Set<NodeJS.Timeout>();
  /** Consecutive replacements per role that did not live long; drives the backoff. */
  private respawnAttempts = new Map<string, number>();
  /** Dead actors the supervisor has replaced: they are no longer missing anything. */
  private replaced = new Set<string>();
  private readonly bus: HopBus;
  private readonly brokerUrl: string;
  private readonly onChange: () => void;

  constructor(
    readonly definition: ScenarioDefinition,
    readonly store: TraceStore,
    private readonly deps: RunnerDeps,
  ) {
    this.settings = { ...definition.defaults };
    this.bus = deps.bus;
    this.brokerUrl = deps.brokerUrl;
    this.onChange = deps.onChange;
  }

  /** What browsers get: the scenario, with what completes its messages. */
  get info(): ScenarioInfo {
    this.published ??= this.definition.completesOn ? { ...this.definition.info, completesOn: [...this.definition.completesOn] } : this.definition.info;
    return this.published;
  }
  private published: ScenarioInfo | null = null;

  async start(): Promise<void> {
    if (this.running) return;
    this.starting ??= this.spawnInitialActors().finally(() => {
      this.starting = null;
    });
    await this.starting;
  }

  private async spawnInitialActors(): Promise<void> {
    const spawned: ActorHandle[] = [];
    try {
      for (const { role, count } of this.definition.initialActors) {
        for (let i = 0; i < count; i++) spawned.push(this.spawn(role));
      }
      await Promise.all(spawned.map((actor) => actor.ready));
      this.running = true;
      this.startGauges();
      this.onChange();
    } catch (error) {
      for (const actor of spawned) actor.kill("SIGKILL");
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const timer of this.respawnTimers) clearTimeout(timer);
    this.respawnTimers.clear();
    this.respawnAttempts.clear();
    this.replaced.clear();
    await this.stopGauges();
    const alive = [...this.actors.values()].filter((a) => a.alive);
    for (const actor of alive) actor.kill("SIGTERM");
    const grace = setTimeout(() => alive.forEach((a) => a.kill("SIGKILL")), ACTOR_STOP_GRACE_MS);
    await Promise.all(alive.map((a) => a.exited()));
    clearTimeout(grace);
    this.onChange();
  }

  aliveCount(role: string): number {
    return [...this.actors.values()].filter((a) => a.alive && a.spec.role === role).length;
  }

  spawn(role: string): ActorHandle {
    const program = this.definition.programs[role];
    if (!program) throw new Error(`no program plays ${role}`);
    const n = (this.nextNumber.get(role) ?? 0) + 1;
    this.nextNumber.set(role, n);
    const actor = new ActorHandle({
      id: `${role}-${n}`,
      role,
      program,
      scenarioId: this.info.id,
      brokerUrl: this.brokerUrl,
      settings: this.settings,
    });
    this.actors.set(actor.spec.id, actor);
    this.pruneDead();
    actor.on("hops", (hops) => this.bus.ingest(this.definition.audienceRole ? hops.map((hop) => this.noteMissed(hop)) : hops));
    actor.on("status", () => this.onChange());
    actor.ready.then(
      () => {
        // A `set` that arrived while the actor was still connecting did not reach it.
        actor.send({ type: "settings", settings: { ...this.settings } }).catch(() => undefined);
        this.emitActorHop(actor, "actor-started");
        this.onChange();
      },
      () => undefined,
    );
    actor.on("exit", ({ code, signal }) => {
      if (!actor.killedByPresenter) {
        const exitedAt = this.emitActorHop(actor, "actor-exited", { signal: signal ?? undefined, exitCode: code ?? undefined });
        // Died on its own with messages in hand: at-most-once loses them just as with a kill.
        const dropReason = this.definition.dropsOnKill;
        if (dropReason) setTimeout(() => this.reportDropped(actor.spec.id, exitedAt + 0.001, dropReason), REQUEUE_SETTLE_MS);
        // Died on its own (its broker went away, or it crashed): a running scenario gets a
        // replacement once the broker answers again, so it resumes without the presenter.
        if (this.running) this.scheduleRespawn(role);
      }
      this.onChange();
    });
    return actor;
  }

  /** A broadcast answered while audience members are down: they missed it, as at-most-once allows. */
  private noteMissed(hop: HopDraft): HopDraft {
    // Whether or not the broker counts receivers (Redis does, NATS does not), a copy is missed.
    if (hop.kind !== "confirmed") return hop;
    const role = this.definition.audienceRole;
    // A member that died and was replaced by the supervisor is not missing any more.
    const down = [...this.actors.values()].filter((a) => !a.alive && a.spec.role === role && !this.replaced.has(a.spec.id)).length;
    if (down === 0) return hop;
    return { ...hop, reason: `missed by ${down} ${role}${down === 1 ? "" : "s"} that ${down === 1 ? "is" : "are"} down (at-most-once, expected)` };
  }

  private scheduleRespawn(role: string): void {
    const attempts = this.respawnAttempts.get(role) ?? 0;
    const delay = RESPAWN_BACKOFF_MS[Math.min(attempts, RESPAWN_BACKOFF_MS.length - 1)] ?? 5_000;
    this.respawnAttempts.set(role, attempts + 1);
    const timer = setTimeout(() => {
      this.respawnTimers.delete(timer);
      if (!this.running) return;
      if (!this.deps.brokerUp()) return this.scheduleRespawn(role);
      const max = this.info.roles.find((r) => r.name === role)?.max ?? 0;
      if (this.aliveCount(role) >= max) return;
      const actor = this.spawn(role);
      const stood = [...this.actors.values()].find((a) => !a.alive && a.spec.role === role && !a.killedByPresenter && !this.replaced.has(a.spec.id));
      if (stood) this.replaced.add(stood.spec.id);
      // Only a replacement that stays up ends the backoff; one that dies at once keeps it growing.
      const settled = setTimeout(() => {
        if (actor.alive) this.respawnAttempts.delete(role);
      }, RESPAWN_STABLE_MS);
      settled.unref();
    }, delay);
    this.respawnTimers.add(timer);
  }

  kill(actor: ActorHandle): void {
    actor.kill("SIGKILL");
    const killedAt = this.emitActorHop(actor, "actor-killed", { signal: "SIGKILL" });
    const dropReason = this.definition.dropsOnKill;
    if (this.definition.requeuesOnKill || dropReason) {
      // The broker acts because the connection died: just after the kill on the timeline.
      const report = () => (dropReason ? this.reportDropped(actor.spec.id, killedAt + 0.001, dropReason) : this.reportRequeued(actor.spec.id, killedAt + 0.001));
      void actor.exited().then(() => setTimeout(report, REQUEUE_SETTLE_MS));
    }
  }

  /** What a dead consumer had been handed and not settled, as the hops tell it. */
  private unsettledBy(actorId: string): MessageHop[] {
    this.deps.drain();
    // Keyed by message and queue: one message can reach a consumer from several queues.
    const held = new Map<string, MessageHop>();
    for (const hop of this.store.hops.toArray()) {
      if (!isMessageHop(hop)) continue;
      if (hop.to === actorId && DELIVERY_KINDS.has(hop.kind)) held.set(`${hop.message.id}|${hop.from}`, hop);
      else if (hop.from === actorId && SETTLED_BY_CONSUMER.has(hop.kind)) {
        // Settled on its own lane (core NATS has no ack to send): whichever delivery it held.
        const source = hop.to === actorId ? [...held.values()].find((d) => d.message.id === hop.message.id)?.from : hop.to;
        held.delete(`${hop.message.id}|${source}`);
      }
    }
    return [...held.values()];
  }

  /** The broker forgets what a dead consumer held unfinished: at-most-once, said out loud. */
  private reportDropped(actorId: string, at: number, reason: string): void {
    this.bus.ingest(
      this.unsettledBy(actorId).map((delivery) => ({
        kind: "dropped" as const,
        scenarioId: this.info.id,
        broker: this.info.broker,
        from: actorId,
        to: actorId,
        at,
        message: delivery.message,
        reason,
      })),
    );
  }

  /** The broker takes back what a dead consumer had not acked: say which messages those were. */
  private reportRequeued(actorId: string, at: number): void {
    this.bus.ingest(
      this.unsettledBy(actorId).map((delivery) => ({
        kind: "requeued" as const,
        scenarioId: this.info.id,
        broker: this.info.broker,
        from: actorId,
        to: delivery.from,
        at,
        message: delivery.message,
        reason: "unacked when its consumer died",
      })),
    );
  }

  /** One read at a time, the next a while after the last: a slow broker never stacks reads up. */
  private startGauges(): void {
    const make = this.definition.gauges;
    if (!make || this.gaugeReader) return;
    const reader = make(this.brokerUrl);
    this.gaugeReader = reader;
    const read = async () => {
      const gauges = await reader.read().catch(() => null);
      // Stopped, or restarted with a new reader, while this read was out: its figures are stale.
      if (this.gaugeReader !== reader) return;
      const layout = gauges ? (reader.layout?.() ?? null) : this.layout;
      if (gauges && (JSON.stringify(gauges) !== JSON.stringify(this.gauges) || JSON.stringify(layout) !== JSON.stringify(this.layout))) {
        this.gauges = gauges;
        this.layout = layout;
        this.onChange();
      }
      this.gaugeTimer = setTimeout(() => void read(), GAUGE_INTERVAL_MS);
    };
    void read();
  }

  private async stopGauges(): Promise<void> {
    if (this.gaugeTimer) clearTimeout(this.gaugeTimer);
    this.gaugeTimer = null;
    const reader = this.gaugeReader;
    this.gaugeReader = null;
    this.gauges = {};
    this.layout = null;
    await reader?.close();
  }

  actor(id: string): ActorHandle | undefined {
    return this.actors.get(id);
  }

  publisher(): ActorHandle | undefined {
    return [...this.actors.values()].find((a) => a.alive && a.spec.role === this.definition.publisherRole);
  }

  /**
   * The publisher hears first and may refuse a value the broker cannot take (Kafka never
   * removes partitions); then nothing changes. Otherwise every actor gets the new values.
   */
  async applySettings(values: SettingsValues): Promise<string | null> {
    const publisher = this.running ? this.publisher() : undefined;
    if (publisher) {
      const refused = await publisher.send({ type: "settings", settings: values }).then(
        () => null,
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
      if (refused) return refused;
    }
    Object.assign(this.settings, values);
    for (const actor of this.actors.values()) {
      if (actor.alive && actor !== publisher) actor.send({ type: "settings", settings: values }).catch(() => undefined);
    }
    return null;
  }

  state(unavailable: string | null): ScenarioState {
    return {
      id: this.info.id,
      running: this.running,
      actors: [...this.actors.values()]
        .map((a) => ({ id: a.spec.id, role: a.spec.role, pid: a.pid, alive: a.alive, connected: a.alive && a.connected, ...(a.connections ? { connections: a.connections } : {}) }))
        .sort((a, b) => compareIds(a.id, b.id)),
      ledger: this.store.ledgerSnapshot(),
      latency: this.store.latencySummary(),
      settings: { ...this.settings },
      gauges: this.gauges,
      unavailable,
      ...(this.layout ? { layout: this.layout } : {}),
    };
  }

  forgetDead(): void {
    for (const [id, actor] of this.actors) if (!actor.alive) this.actors.delete(id);
  }

  private pruneDead(): void {
    const dead = [...this.actors.values()].filter((a) => !a.alive);
    for (const actor of dead.slice(0, Math.max(0, dead.length - DEAD_ACTORS_KEPT))) this.actors.delete(actor.spec.id);
  }

  /** Returns the hop's timestamp. */
  private emitActorHop(actor: ActorHandle, kind: ActorHopDraft["kind"], extra: { signal?: string; exitCode?: number } = {}): number {
    const id = actor.spec.id;
    const at = wallClockMs();
    this.bus.ingest([{ kind, scenarioId: this.info.id, broker: this.info.broker, from: id, to: id, at, actor: { id, role: actor.spec.role, pid: actor.pid, ...extra } }]);
    return at;
  }
}

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

  constructor(
    definitions: readonly ScenarioDefinition[],
    private readonly health: HealthMonitor,
    urls: Config["urls"],
  ) {
    super();
    for (const definition of definitions) {
      const { id, broker } = definition.info;
      const store = this.bus.register(id, ledgerRulesOf(definition));
      const runner: ScenarioRunner = new ScenarioRunner(definition, store, {
        bus: this.bus,
        brokerUrl: urls[broker],
        onChange: () => this.emit("state", this.stateOf(runner)),
        drain: () => this.pump(id),
        brokerUp: () => health.current().brokers[broker].up,
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
      const runner = this.runners.get(scenarioId);
      if (!runner) continue;
      this.emit("hops", { scenarioId, afterSeq, hops, ledger: runner.store.ledgerSnapshot(), latency: runner.store.latencySummary() });
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
    const parsed = commandSchema.safeParse(raw);
    if (!parsed.success) return fail("bad-request", describeZodError(parsed.error));
    const command = parsed.data;
    const known = runner.info.commands.some((c) => c.type === command.type);
    if (!known) return fail("bad-request", `type: ${id} does not support "${command.type}"`);
    if (command.type === "reset") return ok(this.reset(runner));
    const down = this.unavailable(runner);
    if (down) return fail("broker-down", down);
    if (command.type === "set") {
      const { type: _type, ...values } = command;
      const settings = runner.definition.settingsSchema.safeParse(values);
      if (!settings.success) return fail("bad-request", describeZodError(settings.error));
      const refused = await runner.applySettings(settings.data as SettingsValues);
      if (refused) return fail("conflict", refused);
      this.emit("state", this.stateOf(runner));
      return ok({ settings: { ...runner.settings } });
    }
    if (!runner.running) return fail("not-running", `${id} is not running; start it first (POST /api/scenarios/${id}/start)`);
    try {
      switch (command.type) {
        case "publish": {
          const publisher = runner.publisher();
          if (!publisher) return fail("conflict", `No live ${runner.definition.publisherRole} to publish with; stop and start the scenario`);
          return ok(await publisher.send({ type: "publish", count: command.count, payload: command.payload, key: command.key, priority: command.priority, ttlMs: command.ttlMs, exchange: command.exchange, headers: command.headers }));
        }
        case "add-actor": {
          const role = runner.info.roles.find((r) => r.name === command.role);
          if (!role) return fail("bad-request", `role: ${id} has no role "${command.role}"; roles are ${runner.info.roles.map((r) => r.name).join(", ")}`);
          if (runner.aliveCount(role.name) >= role.max) return fail("conflict", `role: at most ${role.max} ${role.name}s`);
          const actor = runner.spawn(role.name);
          await actor.ready;
          return ok({ actorId: actor.spec.id, pid: actor.pid });
        }
        case "kill-actor": {
          const actor = runner.actor(command.actorId);
          if (!actor) return fail("not-found", `actorId: no actor "${command.actorId}" in ${id}`);
          const role = runner.info.roles.find((r) => r.name === actor.spec.role);
          if (!role?.killable) return fail("bad-request", `actorId: the ${actor.spec.role} drives the scenario and cannot be killed`);
          if (!actor.alive) return fail("conflict", `actorId: ${command.actorId} is already dead`);
          runner.kill(actor);
          return ok({ actorId: actor.spec.id, pid: actor.pid, signal: "SIGKILL" });
        }
      }
    } catch (error) {
      return fail("internal", (error as Error).message);
    }
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

  /** The hops after `since` still in the buffer, as a recording a browser replays without brokers. */
  recording(id: string, since: number): Result<string> {
    const runner = this.runners.get(id);
    if (!runner) return this.unknown(id);
    this.pump(id);
    const hops = runner.store.after(since, Number.MAX_SAFE_INTEGER);
    // The buffer keeps the newest hops only: once it has let some go, a recording from before
    // its oldest hop misses its beginning, and says so.
    const oldest = runner.store.hops.at(0);
    const truncated = runner.store.count > runner.store.hops.size && oldest !== undefined && since < oldest.seq - 1;
    const header: RecordingHeader = {
      format: RECORDING_FORMAT,
      v: PROTOCOL_VERSION,
      recordedAt: new Date().toISOString(),
      scenario: runner.info,
      rules: ledgerRulesOf(runner.definition),
      state: this.stateOf(runner),
      ...(truncated ? { truncated } : {}),
    };
    return ok(encodeRecording(header, hops));
  }

  trace(id: string, traceId: string): Result<Trace> {
    const runner = this.runners.get(id);
    if (!runner) return this.unknown(id);
    const hops = runner.store.hops.toArray().filter((h) => "message" in h && h.message.traceId === traceId);
    const trace = assembleTraces(hops, runner.definition.completesOn).get(traceId);
    return trace ? ok(trace) : fail("not-found", `no trace "${traceId}" in ${id}'s buffer`);
  }

  snapshot(id: string): Result<ScenarioSnapshot> {
    const runner = this.runners.get(id);
    if (!runner) return this.unknown(id);
    return ok({ v: PROTOCOL_VERSION, scenario: runner.info, state: this.stateOf(runner), hops: runner.store.newest(SNAPSHOT_HOPS), lastSeq: runner.store.lastSeq, totalHops: runner.store.count });
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
    this.emit("reset", runner.info.id);
    this.emit("state", this.stateOf(runner));
    return { reset: true };
  }

  private stateOf(runner: ScenarioRunner): ScenarioState {
    return runner.state(this.unavailable(runner));
  }

  private unavailable(runner: ScenarioRunner): string | null {
    const broker = runner.info.broker;
    const health = this.health.current().brokers[broker];
    if (health.up) return null;
    return `${BROKER_NAMES[broker]} is down at ${health.url} (${health.error ?? "unreachable"}). Start it with: ${health.startCommand}`;
  }

  private unknown(id: string): { ok: false; error: ApiError } {
    return fail("not-found", `No scenario "${id}". Known: ${[...this.runners.keys()].join(", ")}`);
  }
}
