import { wallClockMs } from "../../lib/clock";
import { compareIds } from "../../lib/cast";
import type { GaugeHistoryData } from "../../lib/gauge-history";
import { isBroker, type ActorHopDraft, type BrokerId, type ScenarioInfo, type ScenarioState, type SettingsValues, type TransportId } from "../../lib/protocol";
import { namespace } from "../brokers/namespace";
import type { Config } from "../config";
import { hopTallySchema, type HopTally } from "../actors/ipc";
import type { HopBus, TraceStore } from "../hop-bus";
import { ACTOR_STOP_GRACE_MS } from "../options";
import { transportUrl, type ScenarioDefinition } from "../scenarios/model";
import type { Actor, ActorFactory } from "./actor";
import { DeliveryEffects } from "./delivery-effects";
import { BrokerFates } from "./fates";
import { GaugePoller } from "./gauges";
import { PeekDesk } from "./peek";
import { Supervisor } from "./supervisor";

/** Killed and exited actors stay listed (their lifelines keep the cross) up to this many. */
const DEAD_ACTORS_KEPT = 16;

export interface RunnerDeps {
  bus: HopBus;
  urls: Config["urls"];
  namespace: string;
  onChange: () => void;
  /** Whether a broker answers now. */
  brokerUp: (broker: BrokerId) => boolean;
  /** Sequences everything this scenario has waiting, so the store is complete. */
  drain: () => void;
  createActor: ActorFactory;
}

/** The actors of one scenario: started, stopped, added, killed, replaced and told settings. */
export class ScenarioRunner {
  running = false;
  settings: SettingsValues;
  /** See `traceNats`. */
  private natsTraceTo: string | null = null;
  private actors = new Map<string, Actor>();
  private nextNumber = new Map<string, number>();
  private starting: Promise<void> | null = null;
  private readonly gauges: GaugePoller;
  private readonly peeks: PeekDesk | null;
  private readonly supervisor: Supervisor;
  private readonly effects: DeliveryEffects;
  private readonly fates: BrokerFates | null;
  private readonly bus: HopBus;
  private readonly onChange: () => void;

  constructor(
    readonly definition: ScenarioDefinition,
    readonly store: TraceStore,
    private readonly deps: RunnerDeps,
  ) {
    this.settings = { ...definition.defaults };
    this.bus = deps.bus;
    this.onChange = deps.onChange;
    // Every read is a point on the sparklines: browsers hear of it even when the figures held still.
    this.gauges = new GaugePoller(definition.gauges, deps.urls, namespace(deps.namespace), deps.onChange, undefined, deps.onChange);
    this.supervisor = new Supervisor({
      running: () => this.running,
      // A role that speaks several brokers needs them all: a replacement started while one is
      // away would only hang until its ready timeout.
      // gRPC has no broker: its servers are actors of the scenario, so it is always "up".
      transportUp: (role) => this.transportsOf(role).every((t) => !isBroker(t) || deps.brokerUp(t)),
      hasRoom: (role) => this.aliveCount(role) < (this.info.roles.find((r) => r.name === role)?.max ?? 0),
      spawn: (role) => this.spawn(role),
      actors: () => this.actors.values(),
    });
    const peek = definition.peek;
    this.peeks = peek ? new PeekDesk(peek, transportUrl(deps.urls, peek.transport), namespace(deps.namespace), () => this.settings) : null;
    const fates = definition.fates;
    this.fates = fates ? new BrokerFates(fates, transportUrl(deps.urls, fates.transport), namespace(deps.namespace), () => this.settings) : null;
    this.effects = new DeliveryEffects({
      kills: definition.kills,
      ...(this.fates ? { fates: this.fates } : {}),
      running: () => this.running,
      ...(definition.audienceRoles?.[0] ? { audience: { roles: definition.audienceRoles, transport: this.transportOf(definition.audienceRoles[0]), ...(definition.audienceHears ? { destination: definition.audienceHears } : {}) } } : {}),
      store,
      drain: deps.drain,
      ingest: (hops) => this.bus.ingest(hops),
      // A member that died and was replaced (by the supervisor, or by the presenter adding one) is not missing any more.
      // A SIGKILLed member hears nothing more, even before its exit is reported.
      downIn: (role) => [...this.actors.values()].filter((a) => (!a.alive || a.killedByPresenter) && a.spec.role === role && !this.supervisor.hasReplaced(a.spec.id)).length,
    });
  }

  get info(): ScenarioInfo {
    return this.definition.info;
  }

  /** The transport an actor's role speaks: its hops, and the engine's about it, carry it. */
  transportOf(role: string): TransportId {
    return this.definition.roles.get(role)?.transport ?? this.info.broker;
  }

  transportsOf(role: string): TransportId[] {
    return [this.transportOf(role), ...(this.definition.roles.get(role)?.alsoSpeaks ?? [])];
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.starting ??= this.spawnInitialActors().finally(() => {
      this.starting = null;
    });
    await this.starting;
  }

  private async spawnInitialActors(): Promise<void> {
    const spawned: Actor[] = [];
    try {
      for (const { role, count } of this.definition.initialActors) {
        for (let i = 0; i < count; i++) spawned.push(this.spawn(role));
      }
      await Promise.all(spawned.map((actor) => actor.ready));
      this.running = true;
      this.gauges.start();
      this.onChange();
    } catch (error) {
      for (const actor of spawned) actor.kill("SIGKILL");
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.supervisor.stop();
    await this.gauges.stop();
    await this.fates?.close();
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

  spawn(role: string): Actor {
    const spec = this.definition.roles.get(role);
    if (!spec) throw new Error(`${this.info.id} has no role ${role}`);
    const n = (this.nextNumber.get(role) ?? 0) + 1;
    this.nextNumber.set(role, n);
    const actor = this.deps.createActor({
      id: `${role}-${n}`,
      role,
      scenarioId: this.info.id,
      brokerUrl: transportUrl(this.deps.urls, spec.transport),
      otherUrls: Object.fromEntries((spec.alsoSpeaks ?? []).map((t) => [t, transportUrl(this.deps.urls, t)])),
      namespace: this.deps.namespace,
      settings: { ...this.settings },
      natsTraceTo: this.natsTraceTo,
    });
    this.actors.set(actor.spec.id, actor);
    this.pruneDead();
    actor.on("hops", (hops) => this.bus.ingest(this.effects.noteMissed(hops)));
    actor.on("status", () => this.onChange());
    actor.ready.then(
      () => {
        // A `set` that arrived while the actor was still connecting did not reach it.
        actor.send({ type: "settings", settings: { ...this.settings } }).catch(() => undefined);
        if (this.natsTraceTo !== actor.spec.natsTraceTo) actor.send({ type: "nats-trace", to: this.natsTraceTo }).catch(() => undefined);
        this.emitActorHop(actor, "actor-started");
        this.onChange();
      },
      () => undefined,
    );
    actor.on("exit", ({ code, signal }) => {
      if (!actor.killedByPresenter) {
        const exitedAt = this.emitActorHop(actor, "actor-exited", { signal: signal ?? undefined, exitCode: code ?? undefined });
        this.effects.afterDeath(actor, exitedAt);
        // Died on its own (its broker went away, or it crashed): a running scenario gets a
        // replacement once the broker answers again, so it resumes without the presenter.
        if (this.running) this.supervisor.scheduleRespawn(role);
      }
      this.onChange();
    });
    return actor;
  }

  /** A member the presenter added takes the place of a dead one of its role. */
  standIn(actor: Actor): void {
    this.supervisor.standIn(actor);
  }

  kill(actor: Actor): void {
    actor.kill("SIGKILL");
    const killedAt = this.emitActorHop(actor, "actor-killed", { signal: "SIGKILL" });
    this.effects.afterKill(actor, killedAt);
  }

  actor(id: string): Actor | undefined {
    return this.actors.get(id);
  }

  /**
   * Switches every live actor's hop reporting (see the `hop-reporting` actor command) and adds
   * up the tallies that end: how many hops of each kind they counted instead of sending.
   */
  async tallyHops(mode: "on" | "count"): Promise<HopTally> {
    const tallies = await Promise.all([...this.actors.values()].filter((a) => a.alive).map(async (a) => hopTallySchema.parse(await a.send({ type: "hop-reporting", mode }))));
    const total: HopTally = { counts: {}, lastAt: 0 };
    for (const { counts, lastAt } of tallies) {
      for (const [kind, n] of Object.entries(counts)) total.counts[kind] = (total.counts[kind] ?? 0) + n;
      total.lastAt = Math.max(total.lastAt, lastAt);
    }
    return total;
  }

  /**
   * Where the actors' NATS publishes ask the server to send their traces (`Nats-Trace-Dest`), or
   * null: only while the broker's witness listens, since every traced publish costs the server a
   * trace event. Resolves once every live actor has it.
   */
  async traceNats(to: string | null): Promise<void> {
    this.natsTraceTo = to;
    await Promise.allSettled([...this.actors.values()].filter((a) => a.alive).map((a) => a.send({ type: "nats-trace", to })));
  }

  publisher(): Actor | undefined {
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
    const layout = this.gauges.layout;
    return {
      id: this.info.id,
      running: this.running,
      actors: [...this.actors.values()]
        .map((a) => ({ id: a.spec.id, role: a.spec.role, pid: a.pid, alive: a.alive, connected: a.alive && a.connected, ...(a.connections ? { connections: a.connections } : {}) }))
        .sort((a, b) => compareIds(a.id, b.id)),
      ledger: this.store.ledgerSnapshot(),
      latency: this.store.latencySummary(),
      settings: { ...this.settings },
      gauges: this.gauges.gauges,
      ...(this.gauges.at !== null ? { gaugesAt: this.gauges.at } : {}),
      unavailable,
      ...(layout ? { layout } : {}),
    };
  }

  /** What the broker holds for one of the scenario's peek targets; null where it has none. */
  peek(target: string, limit: number): ReturnType<PeekDesk["peek"]> | null {
    return this.peeks?.peek(target, limit) ?? null;
  }

  /** Every gauge's readings of this run so far, up to the history's capacity. */
  gaugeHistory(): GaugeHistoryData {
    return this.gauges.history.toJSON();
  }

  /** A reset starts the sparklines afresh, like the ledger; the broker's figures carry on. */
  forgetGaugeHistory(): void {
    this.gauges.history.clear();
  }

  forgetDead(): void {
    for (const [id, actor] of this.actors) if (!actor.alive) this.actors.delete(id);
  }

  private pruneDead(): void {
    const dead = [...this.actors.values()].filter((a) => !a.alive);
    for (const actor of dead.slice(0, Math.max(0, dead.length - DEAD_ACTORS_KEPT))) this.actors.delete(actor.spec.id);
  }

  /** Returns the hop's timestamp. */
  private emitActorHop(actor: Actor, kind: ActorHopDraft["kind"], extra: { signal?: string; exitCode?: number } = {}): number {
    const id = actor.spec.id;
    const at = wallClockMs();
    this.bus.ingest([{ kind, scenarioId: this.info.id, broker: this.transportOf(actor.spec.role), from: id, to: id, at, actor: { id, role: actor.spec.role, pid: actor.pid, ...extra } }]);
    return at;
  }
}
