/**
 * In-memory stand-ins for what the engine touches outside: actor processes and broker health.
 * They run no program and open no connection, so the engine's rules run alone under fake timers.
 */
import { EventEmitter } from "node:events";
import { wallClockMs } from "../../lib/clock";
import { BROKERS, type BrokerHealth, type BrokerId, type TransportId, type CommandInfo, type HealthReport, type Hop, type HopDraft, type MessageHopKind } from "../../lib/protocol";
import type { ActorCommand, ActorSpec } from "../actors/ipc";
import type { Config } from "../config";
import type { ScenarioDefinition } from "../scenarios/model";
import type { Actor, ActorEvents, ActorFactory } from "./actor";
import { ScenarioEngine } from "./index";
import type { Result } from "./result";

export const URLS: Config["urls"] = { nats: "nats://test:4222", rabbitmq: "amqp://test:5672", redis: "redis://test:6379", kafka: "test:9092" };

/** Fakes never run their program; a scenario still has to name one. */
export const program = async () => ({ handle: async () => null, close: async () => {} });

/** What a test scenario's declaration needs but no engine test looks at. */
export const UNREMARKABLE = { summary: "", roundTrip: "", publishLabel: "Send", demo: { before: [], settleMs: 0 } } as const;

export const ALL_COMMANDS: CommandInfo[] = [
  { type: "publish", description: "publish" },
  { type: "add-actor", description: "add" },
  { type: "kill-actor", description: "kill" },
  { type: "set", description: "set" },
  { type: "reset", description: "reset" },
];

export interface FakeActorOptions {
  /** How `ready` settles; resolved at once when not given. */
  ready?: Promise<void>;
  /** What a command answers; throw to refuse it. */
  reply?: (command: ActorCommand) => unknown;
  /** Keeps running on SIGTERM, as a stuck process would. */
  ignoresSigterm?: boolean;
  /** How long it takes to exit once signalled; a microtask when not given. */
  exitsAfterMs?: number;
  /** The broker its hops carry, as its role's transport would. */
  transport?: TransportId;
}

let nextPid = 1_000;

export class FakeActor extends EventEmitter<ActorEvents> implements Actor {
  readonly pid = nextPid++;
  alive = true;
  connected = true;
  connections: string[] | undefined;
  killedByPresenter = false;
  readonly ready: Promise<void>;
  readonly sent: ActorCommand[] = [];
  readonly signals: NodeJS.Signals[] = [];
  private readonly options: FakeActorOptions;

  constructor(
    readonly spec: ActorSpec,
    options: FakeActorOptions = {},
  ) {
    super();
    this.options = options;
    this.ready = options.ready ?? Promise.resolve();
    this.ready.catch(() => undefined);
  }

  send(command: ActorCommand): Promise<unknown> {
    if (!this.alive) return Promise.reject(new Error(`${this.spec.id} is not running`));
    this.sent.push(command);
    try {
      return Promise.resolve(this.options.reply?.(command) ?? null);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Like a process: the exit comes a moment after the signal, not during the call. */
  kill(signal: NodeJS.Signals): void {
    if (!this.alive) return;
    this.signals.push(signal);
    if (signal === "SIGKILL") this.killedByPresenter = true;
    else if (this.options.ignoresSigterm) return;
    const exit = () => this.exit(null, signal);
    if (this.options.exitsAfterMs === undefined) queueMicrotask(exit);
    else setTimeout(exit, this.options.exitsAfterMs);
  }

  /** Dies on its own: a crash, or its broker connection gone. */
  crash(code = 1): void {
    this.exit(code, null);
  }

  exited(): Promise<void> {
    if (!this.alive) return Promise.resolve();
    return new Promise((resolve) => this.once("exit", () => resolve()));
  }

  /** Reports hops as its program would, written "kind from>to messageId", e.g. "acked worker-1>jobs m1". */
  report(...lines: string[]): void {
    this.emit("hops", lines.map((line) => messageHop(this.spec.scenarioId, line, this.options.transport)));
  }

  private exit(code: number | null, signal: NodeJS.Signals | null): void {
    if (!this.alive) return;
    this.alive = false;
    this.connected = false;
    this.emit("exit", { code, signal });
  }
}

/** One message hop, now, from "kind from>to messageId". */
export function messageHop(scenarioId: string, line: string, broker: TransportId = "rabbitmq"): HopDraft {
  const [kind, route = "", id = "m"] = line.trim().split(/\s+/);
  const [from = "?", to = "?"] = route.split(">");
  return {
    kind: kind as MessageHopKind,
    scenarioId,
    broker,
    from,
    to,
    at: wallClockMs(),
    message: { id, traceId: id, destination: "test", attempt: 1, redelivered: false, size: 2, preview: "{}" },
  };
}

/** A factory that keeps every actor it made, by id, in creation order. */
export class FakeActors {
  readonly all: FakeActor[] = [];
  readonly factory: ActorFactory = (spec) => {
    const actor = new FakeActor(spec, this.optionsFor(spec));
    this.all.push(actor);
    return actor;
  };

  constructor(private readonly optionsFor: (spec: ActorSpec) => FakeActorOptions = () => ({})) {}

  get(id: string): FakeActor {
    const actor = this.all.find((a) => a.spec.id === id);
    if (!actor) throw new Error(`no fake actor ${id}; made: ${this.all.map((a) => a.spec.id).join(", ")}`);
    return actor;
  }

  ofRole(role: string): FakeActor[] {
    return this.all.filter((a) => a.spec.role === role);
  }
}

/** Broker health as the engine reads it, with brokers switched up and down by the test. */
export class FakeHealth extends EventEmitter<{ change: [HealthReport] }> {
  private report: HealthReport;

  constructor() {
    super();
    const brokers = {} as Record<BrokerId, BrokerHealth>;
    for (const id of BROKERS) brokers[id] = { up: true, url: URLS[id], startCommand: `start ${id}`, checkedAt: 0 };
    this.report = { brokers };
  }

  current(): HealthReport {
    return this.report;
  }

  set(broker: BrokerId, up: boolean): void {
    const health: BrokerHealth = { up, url: URLS[broker], startCommand: `start ${broker}`, checkedAt: Date.now(), ...(up ? {} : { error: "connection refused" }) };
    this.report = { brokers: { ...this.report.brokers, [broker]: health } };
    this.emit("change", this.report);
  }
}

/** An engine over fake actors and fake health; `stored` sequences and returns a scenario's hops. */
export function fakeEngine(definitions: readonly ScenarioDefinition[], optionsFor?: (spec: ActorSpec) => FakeActorOptions) {
  const health = new FakeHealth();
  // Like the real runtime, an actor's hops carry its role's transport.
  const transportOf = (spec: ActorSpec) => definitions.find((d) => d.info.id === spec.scenarioId)?.roles.get(spec.role)?.transport;
  const actors = new FakeActors((spec) => ({ transport: transportOf(spec), ...optionsFor?.(spec) }));
  const engine = new ScenarioEngine(definitions, health, { urls: URLS, namespace: "test" }, actors.factory);
  const stored = (scenarioId: string): Hop[] => {
    engine.pump(scenarioId);
    return must(engine.hops(scenarioId, 0)).hops;
  };
  return { engine, health, actors, stored };
}

export function must<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.result;
}
