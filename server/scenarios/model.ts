/**
 * The scenario model: a scenario is declared once, in its folder, with `defineScenario`, and
 * everything else (catalogue entry, UI controls, `set` schema, defaults, typed role settings,
 * program registry, ledger rules, kill effects, demo storyline) is derived from that one value.
 */
import { z } from "zod";
import type { Namespace } from "../brokers/namespace";
import { isBroker } from "../../lib/protocol";
import type { Config } from "../config";
import type {
  TransportId,
  ChannelInfo,
  CommandInfo,
  MessageHop,
  Guarantee,
  LinkInfo,
  LiveLayout,
  MessageHopKind,
  PeekResult,
  PeekTargetInfo,
  PublishField,
  RoleInfo,
  ScenarioInfo,
  SettingInfo,
  SettingsValues,
} from "../../lib/protocol";
import type { LedgerRules, LegRule, UnitRule } from "../../lib/ledger";
import type { ActorProgram } from "../actors/runtime";

/** A transport a role speaks: a broker, or gRPC, which needs none. */
export type Transport = TransportId;

/**
 * The URL a role or a gauge gets for a transport. gRPC has no broker to point at: its servers
 * are actors, found through the instance's namespace (see the grpc-inventory scenario).
 */
export function transportUrl(urls: Config["urls"], transport: Transport): string {
  return isBroker(transport) ? urls[transport] : "";
}

/** One tunable number: the UI control, the `set` schema, the default and the role's typed value. */
export interface SettingSpec {
  label: string;
  unit: string;
  min: number;
  max: number;
  step: number;
  default: number;
}

export type SettingsSpec = Record<string, SettingSpec>;

/** What a kill (or a death of its own) of a role's actor means for what it held. */
export type KillEffect =
  /** The broker gives its unacknowledged messages back: reported as `requeued`. */
  | { requeue: true }
  /** The broker forgets what it handed it (core NATS): its unfinished deliveries are `dropped`. */
  | { drop: string }
  /**
   * A server (gRPC) dies with calls open: each attempt it had not answered fails with this
   * status on the caller's side, as its connection goes. A dead process reports nothing, so the
   * engine reports that status for it.
   */
  | { failCalls: { code: string; details: string } };

export interface RoleSpec<K extends string> {
  description: string;
  /** The program that plays the role, as a value: a typo is a compile error. */
  program: ActorProgram<K>;
  transport: Transport;
  /** Other transports it talks to, for a role at the centre of a story that crosses brokers. */
  alsoSpeaks?: readonly Transport[];
  /** How many start with the scenario. */
  initial: number;
  min: number;
  max: number;
  killable: boolean;
  /** Receives `publish` commands; exactly one role of a scenario does. */
  publishes?: boolean;
}

/** A publish command as the demo storyline sends it. */
export type DemoPublish = { count?: number; payload?: string | Record<string, unknown>; key?: string; priority?: number; ttlMs?: number; exchange?: string; headers?: Record<string, string> };

/** The short run recorded for the shipped replay and the screenshots. */
export interface DemoScript<R extends string = string> {
  settings?: SettingsValues;
  /** Actors to add before the story starts. */
  add?: readonly R[];
  /** How long to let the actors settle before the ledger is reset (consumer groups take a while). */
  warmupMs?: number;
  /** Publishes before the kill, then after it. */
  before: readonly DemoPublish[];
  after?: readonly DemoPublish[];
  /** The role whose first live member is SIGKILLed, and when. */
  kill?: { role: R; afterMs: number };
  /** After the publishes that follow the kill, this long later, a fresh member of the killed role joins. */
  replaceAfterMs?: number;
  settleMs: number;
}

export interface GaugeReader {
  read(): Promise<Record<string, Record<string, number>>>;
  /** The picture as of the last read, for brokers whose topology changes while running. */
  layout?(): LiveLayout | null;
  close(): Promise<void>;
}

/**
 * Where a scenario's live figures come from. `url` is its transport's; a scenario that compares
 * two brokers (a read side against a write side) finds the others in `urls`.
 */
export interface GaugeSource {
  transport: Transport;
  open: (url: string, names: Namespace, urls: Config["urls"]) => GaugeReader;
}

/**
 * A presenter's look at what the broker stores, read on a connection of the server's own and
 * leaving the broker as it found it: no message consumed, none moved for good.
 */
export interface PeekReader {
  /** `target` is one of the source's target ids; `limit` at most PEEK_MAX_LIMIT. */
  peek(target: string, limit: number): Promise<PeekResult>;
  close(): Promise<void>;
}

export interface PeekSource {
  transport: Transport;
  targets: readonly PeekTargetInfo[];
  /** `settings` are the scenario's current ones (how long before an entry may be claimed). */
  open: (url: string, names: Namespace, settings: () => SettingsValues) => PeekReader;
}

/** A peek the broker cannot answer for a reason the presenter can act on, said in words. */
export class PeekRefusal extends Error {
  constructor(
    readonly code: "not-found" | "conflict",
    message: string,
  ) {
    super(message);
    this.name = "PeekRefusal";
  }
}

/** What the broker says became of a message that a consumer held when it died. */
export type Fate =
  /** It still has it for that destination and will hand it out again; that delivery will say so. */
  | { status: "held" }
  /** It recorded the ack: the consumer acked, then died before its hop left. */
  | { status: "acked"; reason: string }
  /** It gave up on it after its last allowed delivery, and parked it at `to` (a channel id). */
  | { status: "dead-lettered"; reason: string; to: string }
  /** It no longer has it and never will deliver it again (trimmed, its stream deleted). */
  | { status: "gone"; reason: string };

/**
 * Asks a broker that can be asked about one message (JetStream, Redis streams) what became of
 * it. A consumer's last hops die with it (an ack the broker recorded, sent a moment before a
 * SIGKILL), and only the broker still knows.
 */
export interface FateReader {
  /** One fate per delivery, in order; one it cannot look up now is "held", asked again later. */
  fates(deliveries: readonly MessageHop[], settings: SettingsValues): Promise<Fate[]>;
  close(): Promise<void>;
}

export interface FateSource {
  transport: Transport;
  open: (url: string, names: Namespace) => FateReader;
  /**
   * How long after a consumer's death to ask again about a message the broker still held: by
   * then the broker has delivered it again (and that delivery's hop has arrived) unless it is
   * waiting for a consumer, or has given up on it, in which case it answers so.
   */
  recheckMs: (settings: SettingsValues) => number;
}

/** Who a scenario's messages are delivered under, and what completes them. */
export interface DeliverySpec<R extends string> {
  guarantee: Guarantee;
  /** The hops that complete a message, when not the usual reply-received or acked. */
  completesOn?: readonly MessageHopKind[];
  /** Each destination hands a message to one consumer: a second delivery there is a redelivery. */
  exclusiveDelivery?: boolean;
  /** Deliveries carry a key and its running number, and the ledger checks per-key order. */
  keyOrder?: boolean;
  /** What killing an actor of a role means; roles not named here: nothing the engine reports. */
  kills?: Partial<Record<R, KillEffect>>;
  /**
   * Where the broker can be asked about single messages: when a consumer dies, each message it
   * held and never reported settled is looked up, and looked up again while the broker holds it,
   * so none stays in flight past the broker's redelivery bound.
   */
  fates?: FateSource;
  /** For a broadcast: the role (or roles) whose members each get a copy, and miss it while down. */
  audience?: R | readonly R[];
  /** Where the scenario broadcasts on more than one channel: the one its audience hears. */
  audienceHears?: string;
  /** Legs of a story that crosses brokers, each counted under its own guarantee. */
  legs?: readonly LegRule[];
  /** The business action the ledger counts instead of single messages (an order). */
  unit?: UnitRule;
}

export interface ScenarioDeclaration<S extends SettingsSpec, R extends string> {
  id: string;
  title: string;
  summary: string;
  pattern: string;
  roundTrip: string;
  publishLabel: string;
  settings: S;
  roles: Record<R, RoleSpec<Extract<keyof S, string>>>;
  commands: CommandInfo[];
  /** Extra inputs beside the publish button, from the shared catalogue (`publishField`). */
  publishFields?: PublishField[];
  channels: ChannelInfo[];
  links?: LinkInfo[];
  /** Lays the topology out step by step along the links, where actors pass work on (see ScenarioInfo). */
  layout?: "pipeline";
  delivery: DeliverySpec<NoInfer<R>>;
  /** Reads live figures from the broker while the scenario runs. */
  gauges?: GaugeSource;
  /** What the presenter may peek at on the broker. */
  peek?: PeekSource;
  /** For scenarios that read a publish's key and payload rather than pass them on: see `PublishCheck`. */
  checkPublish?: PublishCheck;
  demo: DemoScript<NoInfer<R>>;
}

/**
 * Why a publish's key or payload cannot be acted on (named field first, as zod errors are), or
 * null. Checked by the server before the command reaches an actor, so a bad one is a 400 and
 * nothing is half-sent.
 */
export type PublishCheck = (publish: { key?: string | undefined; payload?: unknown }) => string | null;

/** What the engine runs: the declaration, normalised. */
export interface ScenarioDefinition {
  info: ScenarioInfo;
  roles: ReadonlyMap<string, RoleSpec<string>>;
  publisherRole: string;
  initialActors: { role: string; count: number }[];
  defaults: SettingsValues;
  /** Validates a `set`; strict, so an unknown parameter is named in the error. */
  settingsSchema: z.ZodType<Partial<SettingsValues>>;
  ledgerRules: LedgerRules;
  kills: ReadonlyMap<string, KillEffect>;
  fates?: FateSource;
  audienceRoles?: readonly string[];
  audienceHears?: string;
  gauges?: GaugeSource;
  peek?: PeekSource;
  checkPublish?: PublishCheck;
  demo: DemoScript;
}

/** Settings as a role reads them: every declared one, always set (no fallbacks). */
export type SettingsOf<S extends SettingsSpec> = { [K in keyof S]: number };

export function settingsSchemaOf(settings: SettingsSpec): z.ZodType<Partial<SettingsValues>> {
  const shape: Record<string, z.ZodNumber> = {};
  for (const [name, s] of Object.entries(settings)) {
    const integral = Number.isInteger(s.step) && Number.isInteger(s.min);
    shape[name] = (integral ? z.number().int() : z.number()).min(s.min).max(s.max);
  }
  return z.object(shape).partial().strict() as unknown as z.ZodType<Partial<SettingsValues>>;
}

export function defineScenario<const S extends SettingsSpec, const R extends string>(d: ScenarioDeclaration<S, R>): ScenarioDefinition {
  const roles = new Map<string, RoleSpec<string>>(Object.entries(d.roles) as [string, RoleSpec<string>][]);
  const publishers = [...roles].filter(([, r]) => r.publishes).map(([name]) => name);
  if (publishers.length !== 1) throw new Error(`${d.id}: exactly one role publishes, found ${publishers.length}`);
  const names = new Set(roles.keys());
  const audience: readonly string[] = d.delivery.audience === undefined ? [] : typeof d.delivery.audience === "string" ? [d.delivery.audience] : d.delivery.audience;
  for (const role of [...Object.keys(d.delivery.kills ?? {}), ...audience, d.demo.kill?.role, ...(d.demo.add ?? [])]) {
    if (role !== undefined && !names.has(role)) throw new Error(`${d.id}: no role "${role}"`);
  }
  for (const [name, s] of Object.entries(d.settings)) {
    if (!(s.min <= s.default && s.default <= s.max)) throw new Error(`${d.id}: ${name} default ${s.default} outside ${s.min}–${s.max}`);
  }

  const brokers = [...new Set([...[...roles.values()].flatMap((r) => [r.transport, ...(r.alsoSpeaks ?? [])]), ...(d.gauges ? [d.gauges.transport] : [])])];
  const primary = brokers[0];
  if (!primary) throw new Error(`${d.id}: no transport`);
  const settingInfos: SettingInfo[] = Object.entries(d.settings).map(([name, s]) => ({ name, label: s.label, unit: s.unit, min: s.min, max: s.max, step: s.step }));
  const roleInfos: RoleInfo[] = [...roles].map(([name, r]) => ({ name, description: r.description, min: r.min, max: r.max, killable: r.killable, transport: r.transport, ...(r.publishes ? { publishes: true } : {}) }));
  const { delivery } = d;
  const info: ScenarioInfo = {
    id: d.id,
    title: d.title,
    summary: d.summary,
    pattern: d.pattern,
    broker: primary,
    brokers,
    guarantee: delivery.guarantee,
    roundTrip: d.roundTrip,
    publishLabel: d.publishLabel,
    ...(d.publishFields ? { publishFields: d.publishFields } : {}),
    roles: roleInfos,
    commands: d.commands,
    settings: settingInfos,
    channels: d.channels,
    ...(d.links ? { links: d.links } : {}),
    ...(d.layout ? { layout: d.layout } : {}),
    ...(delivery.keyOrder ? { checksKeyOrder: true } : {}),
    ...(delivery.completesOn ? { completesOn: [...delivery.completesOn] } : {}),
    ...(delivery.legs ? { legs: delivery.legs.map((leg) => ({ ...leg })) } : {}),
    ...(delivery.unit ? { unit: delivery.unit } : {}),
    ...(d.peek ? { peek: d.peek.targets.map((t) => ({ ...t })) } : {}),
  };
  const ledgerRules: LedgerRules = {
    guarantee: delivery.guarantee,
    ...(delivery.completesOn ? { completesOn: delivery.completesOn } : {}),
    ...(delivery.exclusiveDelivery ? { exclusiveDelivery: true } : {}),
    ...(delivery.keyOrder ? { keyOrder: true } : {}),
    ...(delivery.legs ? { legs: delivery.legs } : {}),
    ...(delivery.unit ? { unit: delivery.unit } : {}),
    // A story counts its broadcast in a leg; a plain broadcast counts each subscriber's copy.
    ...(audience.length > 0 && !delivery.unit && !delivery.legs ? { broadcast: true } : {}),
  };
  return {
    info,
    roles,
    publisherRole: publishers[0] as string,
    initialActors: [...roles].filter(([, r]) => r.initial > 0).map(([role, r]) => ({ role, count: r.initial })),
    defaults: Object.fromEntries(Object.entries(d.settings).map(([name, s]) => [name, s.default])),
    settingsSchema: settingsSchemaOf(d.settings),
    ledgerRules,
    kills: new Map(Object.entries(delivery.kills ?? {}) as [string, KillEffect][]),
    ...(delivery.fates ? { fates: delivery.fates } : {}),
    ...(audience.length > 0 ? { audienceRoles: audience } : {}),
    ...(delivery.audienceHears ? { audienceHears: delivery.audienceHears } : {}),
    ...(d.gauges ? { gauges: d.gauges } : {}),
    ...(d.peek ? { peek: d.peek } : {}),
    ...(d.checkPublish ? { checkPublish: d.checkPublish } : {}),
    demo: d.demo,
  };
}

/** The publish inputs every scenario picks from; a scenario may narrow the choices or the text. */
const PUBLISH_FIELDS: Record<PublishField["name"], PublishField> = {
  priority: { name: "priority", label: "Priority (0–10)", initial: "", placeholder: "0" },
  ttlMs: { name: "ttlMs", label: "TTL (ms)", initial: "", placeholder: "none" },
  exchange: { name: "exchange", label: "Exchange", initial: "" },
  key: { name: "key", label: "Key", initial: "" },
  headers: { name: "headers", label: "Headers", initial: "", placeholder: "name=value, name=value" },
};

export function publishField(name: PublishField["name"], overrides: Partial<Omit<PublishField, "name">> = {}): PublishField {
  return { ...PUBLISH_FIELDS[name], ...overrides };
}
