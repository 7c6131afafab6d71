/**
 * The one wire contract between actors, the server and every browser.
 * Bump PROTOCOL_VERSION on any change a peer on the previous version would misread.
 */
import { z } from "zod";
import type { GaugeHistoryData } from "./gauge-history";

export const PROTOCOL_VERSION = 3;

/** The message brokers Hopscope probes and shows in its health strip and `/api/health`. */
export const BROKERS = ["nats", "rabbitmq", "redis", "kafka"] as const;
export type BrokerId = (typeof BROKERS)[number];

/**
 * What a hop can travel over: a broker, or gRPC, which has none (its servers are actor
 * processes). Hops and scenarios name a transport; only brokers have a health to probe.
 * Adding "grpc" widened the enum: every hop and recording of this version still reads as before.
 */
export const TRANSPORTS = [...BROKERS, "grpc"] as const;
export type TransportId = (typeof TRANSPORTS)[number];

/** Whether a transport is a broker with a health of its own; gRPC is always available. */
export function isBroker(transport: TransportId): transport is BrokerId {
  return (BROKERS as readonly string[]).includes(transport);
}

/**
 * What a scenario promises about each message. `caller-informed` is gRPC's: nothing stands
 * between caller and server to keep or redeliver a call, so the promise is only that the caller
 * learns how every call ended, failures included (a status for each).
 */
export const GUARANTEES = ["at-most-once", "at-least-once", "caller-informed"] as const;
export type Guarantee = (typeof GUARANTEES)[number];

/** The guarantee as a badge says it. */
export const GUARANTEE_LABELS: Record<Guarantee, string> = {
  "at-most-once": "at-most-once",
  "at-least-once": "at-least-once",
  "caller-informed": "caller learns every failure",
};

/** Hops that move a message. */
export const MESSAGE_HOP_KINDS = [
  "published",
  "confirmed",
  "routed",
  "delivered",
  "redelivered",
  "acked",
  "nacked",
  "requeued",
  "replied",
  "reply-received",
  "timeout",
  "retry",
  "dropped",
  "dead-lettered",
  "claimed",
  /** A consumer finished its work on a message it does not ack one by one (a Kafka record). */
  "processed",
  "committed",
  /** A gRPC call as each side's interceptor sees it: opened, one message each way, its status. */
  "call-started",
  "request-message",
  "response-message",
  "status",
] as const;
export type MessageHopKind = (typeof MESSAGE_HOP_KINDS)[number];

/**
 * Hops about an actor rather than a message: it joins, is killed or leaves; its consumer group
 * hands it new partitions; its client crashed and started over.
 */
export const ACTOR_HOP_KINDS = ["actor-started", "actor-killed", "actor-exited", "rebalanced", "consumer-restarted"] as const;
export type ActorHopKind = (typeof ACTOR_HOP_KINDS)[number];

export type HopKind = MessageHopKind | ActorHopKind;

export const messageDescriptorSchema = z.object({
  /** Travels inside the message (headers or fields), so every process names the same message. */
  id: z.string().min(1).max(128),
  traceId: z.string().min(1).max(128),
  /** Subject, queue, channel, stream or topic, by broker. */
  destination: z.string().max(256),
  partition: z.number().int().nonnegative().optional(),
  offset: z.string().max(32).optional(),
  /** The message key, where the broker orders by it (Kafka). */
  key: z.string().max(128).optional(),
  /** The producer's running number for this key: per-key order is checked against it. */
  keySeq: z.number().int().positive().optional(),
  attempt: z.number().int().positive(),
  redelivered: z.boolean(),
  size: z.number().int().nonnegative(),
  preview: z.string().max(160),
});
export type MessageDescriptor = z.infer<typeof messageDescriptorSchema>;

const hopBase = {
  scenarioId: z.string().min(1).max(64),
  /** The transport the hop travels over (a broker, or "grpc"); named `broker` since v1. */
  broker: z.enum(TRANSPORTS),
  from: z.string().min(1).max(64),
  to: z.string().min(1).max(64),
  /** Epoch ms with sub-ms precision: performance.timeOrigin + performance.now(). */
  at: z.number().finite().positive(),
};

/** What an actor reports; the server stamps `seq` and `v`. */
export const messageHopDraftSchema = z.object({
  ...hopBase,
  kind: z.enum(MESSAGE_HOP_KINDS),
  message: messageDescriptorSchema,
  /** Round trip measured by the sender on its own monotonic clock. */
  rttMs: z.number().finite().nonnegative().optional(),
  /** Why a message was dropped, dead-lettered or retried, in words. */
  reason: z.string().max(200).optional(),
  /**
   * On a `dropped` hop: the broker itself forgot the message (a Redis that keeps nothing on disk
   * restarted). It never promised to keep it, so this counts as dropped with its reason, never
   * as lost; and it says so only of a message nothing has settled yet (the server checks).
   */
  forgottenByBroker: z.literal(true).optional(),
  /**
   * On a gRPC hop: whose interceptor saw it (the client's sees each call once, the server's each
   * attempt that reached it), the method, and on a `status` hop the status code's name and details.
   */
  call: z
    .object({
      side: z.enum(["client", "server"]),
      method: z.string().min(1).max(64),
      /** A request or response message's place in its direction, from 1. */
      index: z.number().int().positive().optional(),
      status: z.object({ code: z.string().min(1).max(32), details: z.string().max(200) }).optional(),
    })
    .optional(),
  /**
   * On a query's answer from a read model: the version it read and the latest version the write
   * side had written. Read below written, the answer is stale.
   */
  read: z.object({ version: z.number().int().nonnegative(), written: z.number().int().nonnegative() }).optional(),
  /**
   * Who saw the hop, when not an actor of a scenario: an application's own OpenTelemetry
   * instrumentation ("otlp") or a broker tap ("tap"). Drawn apart from what actors report.
   */
  source: z.enum(["otlp", "tap"]).optional(),
  /** On a broadcast publish: how many subscribers the broker handed it to (Redis PUBLISH). */
  receivers: z.number().int().nonnegative().optional(),
  /** On a broadcast's answer: how many of its audience were down and never got a copy. */
  missed: z.number().int().positive().optional(),
  /** On a publish to an exchange: what each binding made of it, and why. */
  routing: z
    .array(z.object({ queue: z.string().max(128), binding: z.string().max(200), matched: z.boolean(), why: z.string().max(200) }))
    .max(16)
    .optional(),
});

export const actorHopDraftSchema = z.object({
  ...hopBase,
  kind: z.enum(ACTOR_HOP_KINDS),
  actor: z.object({
    id: z.string().min(1).max(64),
    role: z.string().min(1).max(32),
    pid: z.number().int().nonnegative(),
    signal: z.string().max(16).optional(),
    exitCode: z.number().int().optional(),
  }),
  /** On a rebalance: the partitions the actor owns afterwards. */
  partitions: z.array(z.number().int().nonnegative()).max(256).optional(),
  reason: z.string().max(200).optional(),
});

export const hopDraftSchema = z.discriminatedUnion("kind", [messageHopDraftSchema, actorHopDraftSchema]);

export type MessageHopDraft = z.infer<typeof messageHopDraftSchema>;
export type ActorHopDraft = z.infer<typeof actorHopDraftSchema>;
export type HopDraft = MessageHopDraft | ActorHopDraft;

export type Stamped<T> = T & { v: typeof PROTOCOL_VERSION; seq: number };
export type MessageHop = Stamped<MessageHopDraft>;
export type ActorHop = Stamped<ActorHopDraft>;
export type Hop = MessageHop | ActorHop;

export function isMessageHop(hop: Hop): hop is MessageHop {
  return "message" in hop;
}

/* ---------- Scenario catalogue, state and ledger ---------- */

export interface RoleInfo {
  name: string;
  description: string;
  min: number;
  max: number;
  killable: boolean;
  /** The transport its program speaks: its hops carry it. */
  transport: TransportId;
  /** Receives the scenario's `publish` commands. */
  publishes?: boolean;
}

export interface CommandInfo {
  type: CommandType;
  description: string;
}

export interface SettingInfo {
  name: string;
  label: string;
  unit: string;
  min: number;
  max: number;
  step: number;
}

export interface ScenarioInfo {
  id: string;
  title: string;
  summary: string;
  pattern: string;
  /** The first of `brokers`, for clients that show one. */
  broker: TransportId;
  /**
   * Every transport the scenario talks to: it is available only while all of its brokers
   * answer (gRPC has no broker, so it always is).
   */
  brokers: TransportId[];
  guarantee: Guarantee;
  /** What the main button says, e.g. "Send request" or "Send job". */
  publishLabel: string;
  /** What the measured round trip spans, e.g. "request → reply" or "publish → broker confirm". */
  roundTrip: string;
  roles: RoleInfo[];
  commands: CommandInfo[];
  settings: SettingInfo[];
  /**
   * Broker-side entities drawn between actors, e.g. the subject a request travels on. Exchanges
   * sit in the middle, the queues they feed in a column of their own, and a "sink" (a
   * dead-letter queue) to the right of the receivers.
   */
  channels: { id: string; label: string; kind: string; column?: "middle" | "queues" | "sink" }[];
  /**
   * The edges of the topology, when not simply senders → every channel → receivers. An end is a
   * channel id or "role:<name>", meaning every actor of that role.
   */
  links?: { from: string; to: string; label?: string }[];
  /** Extra inputs beside the publish button, sent as fields of the publish command. */
  publishFields?: PublishField[];
  /** Deliveries carry a key and its running number, and the ledger checks per-key order. */
  checksKeyOrder?: boolean;
  /** The hops that complete a message, when not the usual reply-received or acked. */
  completesOn?: MessageHopKind[];
  /** For a story across brokers: its legs, each under its own guarantee. */
  legs?: LegRule[];
  /** For a story across brokers: the business action one trace is (an order). */
  unit?: UnitRule;
  /**
   * "pipeline": a column per step of the links (callers, the service they call, its servers,
   * what those write to, who reads it), for a story whose actors pass work on to the next.
   */
  layout?: "pipeline";
  /** What a presenter may peek at on the broker (a dead-letter queue, a stream, a topic). */
  peek?: PeekTargetInfo[];
}

/** One leg of a story: the messages on these destinations, under this guarantee. */
export interface LegRule {
  name: string;
  guarantee: Guarantee;
  /** Subjects, queues, channels: a message hop belongs to the leg whose list has its destination. */
  destinations: readonly string[];
  /** The hops that complete one of its messages, when not the usual reply-received or acked. */
  completesOn?: readonly MessageHopKind[];
  /**
   * Each destination (a consumer group) hands a message to one consumer: another delivery in it
   * is a redelivery even to another consumer, though the broker does not flag it (Kafka).
   */
  exclusiveDelivery?: boolean;
}

/**
 * A business action that spans legs, one per trace (an order). It starts with the trace's first
 * publish (or call, on a leg of gRPC calls); it completes once a message of the trace has completed on every destination of
 * `completesWhenAll`; a drop in one of the `endsOnDropIn` legs ends it as dropped, with that
 * drop's reason (declined, timed out); a call that failed on a `caller-informed` leg ends it as
 * dropped, with the status code its caller got; a lost or dead-lettered message in an
 * at-least-once leg ends it as lost or dead-lettered. Where it declares `compensatedOn`, a message of the trace
 * completed on one of those destinations ends it as compensated, with that destination's reason.
 */
export interface UnitRule {
  /** What one is called, e.g. "order". */
  name: string;
  completesWhenAll: readonly string[];
  endsOnDropIn: readonly string[];
  /**
   * Where a story's steps depend on the action (a post's image job only when it has images, two
   * emails on one queue): the destination of its last step. Once a message of the trace settles
   * there, in any way, every message the action needed has been published, and it completes when
   * each of those it published on a `completesWhenAll` destination has completed. Without it,
   * every `completesWhenAll` destination needs one completed message.
   */
  closesOn?: string;
  /**
   * For a saga: the destinations whose completed message means the action failed a step and
   * undid what the steps before it did (inventory released after a failed payment), each with
   * the words it is counted under. A business "no" handled to the end, not a failure of delivery.
   */
  compensatedOn?: Readonly<Record<string, string>>;
  /**
   * For a read model (CQRS): the destination whose answers, each carrying the version read and
   * the version written, are counted as queries, fresh or stale.
   */
  queriesOn?: string;
}

export type ChannelInfo = ScenarioInfo["channels"][number];
export type LinkInfo = NonNullable<ScenarioInfo["links"]>[number];

/** The picture as the broker has it now, when it changes while running (Kafka partitions). */
export interface LiveLayout {
  channels: ChannelInfo[];
  links: LinkInfo[];
  /** One line about the broker-side state, e.g. a consumer group's state. */
  caption?: string;
}

export interface PublishField {
  name: "exchange" | "key" | "headers" | "priority" | "ttlMs";
  label: string;
  /** A choice among these, or free text when absent. */
  options?: string[];
  initial: string;
  /** For headers: "name=value, name=value". Empty numeric fields are left out. */
  placeholder?: string;
}

export interface Ledger {
  published: number;
  delivered: number;
  redelivered: number;
  completed: number;
  duplicates: number;
  deadLettered: number;
  /** Expected at-most-once losses, counted by reason. */
  dropped: number;
  dropReasons: Record<string, number>;
  /** Broken at-least-once promises. Must stay 0 where the broker promises delivery. */
  lost: number;
  /** Why they were lost, counted by reason (an entry trimmed away, a refused publish). */
  lostReasons: Record<string, number>;
  /** Why messages were parked, counted by reason (failed every attempt, max deliveries reached). */
  deadLetterReasons: Record<string, number>;
  inFlight: number;
  /**
   * Set where the unit declares compensation (a saga): actions that ended undone rather than
   * completed, counted by reason. Settled, like completed ones; a saga that can do neither is
   * lost (a message of it lost in an at-least-once leg) or still in flight.
   */
  compensated?: number;
  compensatedReasons?: Record<string, number>;
  /** First deliveries whose key's running number went backwards (where order is checked). */
  outOfOrder: number;
  /** Set where the unit declares `queriesOn`: answers that read the latest written version, and those that read an older one. */
  queries?: { fresh: number; stale: number };
  /**
   * Set where the scenario broadcasts: copies that subscribers down at the time never got. An
   * expected at-most-once loss, counted apart from the messages, which other subscribers had.
   */
  missed?: number;
  /**
   * Set where the scenario counts a business action (an order) rather than single messages:
   * published, completed, dropped, lost and inFlight then count those, and each leg's messages
   * are counted in `legs` under that leg's own guarantee.
   */
  unit?: string;
  legs?: LegLedger[];
  /**
   * Set where the scenario counts calls (gRPC): published is then calls started, completed
   * calls OK, dropped calls that failed or were cancelled (by status code in dropReasons).
   */
  calls?: CallCounts;
}

export interface CallCounts {
  started: number;
  ok: number;
  /** Of the OK calls: those answered on a later attempt than the first (the retry policy's work). */
  retriedThenOk: number;
  /** Attempts past each call's first that reached a server. */
  retries: number;
  cancelled: number;
  /** Calls that ended with a status other than OK or CANCELLED, by the status code's name. */
  failed: Record<string, number>;
}

export interface LegLedger {
  name: string;
  guarantee: Guarantee;
  ledger: Ledger;
}

export interface ActorState {
  id: string;
  role: string;
  pid: number;
  alive: boolean;
  connected: boolean;
  /** The broker connections it holds, when more than one matters (e.g. "subscriber", "commands"). */
  connections?: string[];
}

export interface LatencySummary {
  count: number;
  lastMs: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
}

export type SettingsValues = Record<string, number>;

export interface ScenarioState {
  id: string;
  running: boolean;
  actors: ActorState[];
  ledger: Ledger;
  latency: LatencySummary;
  settings: SettingsValues;
  /** Figures read from the broker per channel, e.g. { "rabbitmq:emails": { ready: 3, consumers: 2 } }. */
  gauges: Record<string, Record<string, number>>;
  /** When `gauges` were read (epoch ms): each read is one point of their history. */
  gaugesAt?: number;
  /** Set while the scenario's broker is down: why commands are refused. */
  unavailable: string | null;
  /** Replaces the scenario's channels and links while set. */
  layout?: LiveLayout;
}

export interface BrokerHealth {
  up: boolean;
  url: string;
  error?: string;
  /** How to start it on this machine when it is down. */
  startCommand: string;
  checkedAt: number;
}

/** `namespace`: what this instance's broker objects are prefixed with, shown small. */
export type HealthReport = { brokers: Record<BrokerId, BrokerHealth>; namespace?: string };
/** `GET /api/health`: the report, and the server's version (package.json) for bug reports and scripts. */
export type HealthResponse = HealthReport & { version: string };

/* ---------- Broker insight: gauge history and peek ---------- */

/** `GET /api/scenarios/:id/gauges/history`, and a snapshot's `gaugeHistory`. */
export const gaugeHistorySchema = z.object({
  capacity: z.number().int().positive().max(10_000),
  times: z.array(z.number().finite()).max(10_000),
  series: z
    .array(z.object({ id: z.string().min(1).max(128), gauge: z.string().min(1).max(64), values: z.array(z.number().finite().nullable()).max(10_000) }))
    .max(1_000),
}) satisfies z.ZodType<GaugeHistoryData>;

/** A peek answers with at most this many messages or entries. */
export const PEEK_MAX_LIMIT = 50;
export const PEEK_DEFAULT_LIMIT = 20;

/** One thing a scenario lets the presenter peek at. */
export interface PeekTargetInfo {
  /** Named in `?target=`. */
  id: string;
  /** What the button and the panel call it, e.g. "emails.dlq". */
  label: string;
  /** The channel it is drawn as, when it is one. */
  channel?: string;
}

/** `GET /api/scenarios/:id/peek?target=&limit=`: the query, strict, so a misspelt parameter is named. */
export const peekQuerySchema = z
  .object({
    target: z.string().regex(/^[a-z0-9-]{1,32}$/, "expected a target id such as dlq").optional(),
    limit: z.coerce.number().int().min(1).max(PEEK_MAX_LIMIT).default(PEEK_DEFAULT_LIMIT),
  })
  .strict();
export type PeekQuery = z.infer<typeof peekQuerySchema>;

const peekText = z.string().max(200);
const peekBase = {
  target: z.string().max(32),
  label: z.string().max(128),
  /** When the broker was asked (epoch ms). */
  at: z.number().finite(),
  /** How the peek left the broker as it was, in one sentence. */
  method: z.string().max(300),
};

/** A queue's messages from the head, as a consumer would get them next. */
export const peekQueueSchema = z.object({
  ...peekBase,
  kind: z.literal("queue"),
  /** Messages in the queue, all of them, as the broker counts them. */
  total: z.number().int().nonnegative(),
  messages: z
    .array(
      z.object({
        /** From 1: the head of the queue, the next one out. */
        position: z.number().int().positive(),
        messageId: z.string().max(128).nullable(),
        preview: peekText,
        size: z.number().int().nonnegative(),
        /** Why it was dead-lettered first, from its x-death headers, and from which queue. */
        death: z.object({ reason: z.string().max(64), queue: z.string().max(256), count: z.number().int().nonnegative() }).nullable(),
        /** The job's own attempt count, where it carries one. */
        attempts: z.number().int().nonnegative().nullable(),
      }),
    )
    .max(PEEK_MAX_LIMIT),
});

/** A stream's entries, each with who holds it unacknowledged in each group and for how long. */
export const peekStreamSchema = z.object({
  ...peekBase,
  kind: z.literal("stream"),
  length: z.number().int().nonnegative(),
  /** An entry pending this long may be claimed by another consumer (XAUTOCLAIM's min-idle-time). */
  claimableAfterMs: z.number().int().nonnegative().nullable(),
  groups: z.array(z.object({ name: z.string().max(128), pending: z.number().int().nonnegative(), lastDeliveredId: z.string().max(64) })).max(16),
  entries: z
    .array(
      z.object({
        id: z.string().max(64),
        messageId: z.string().max(128).nullable(),
        preview: peekText,
        pending: z.array(z.object({ group: z.string().max(128), consumer: z.string().max(128), idleMs: z.number().int().nonnegative(), deliveries: z.number().int().nonnegative() })).max(16),
      }),
    )
    .max(PEEK_MAX_LIMIT * 2),
});

/** A topic's partitions: where each log starts and ends, and where the group has committed. */
export const peekTopicSchema = z.object({
  ...peekBase,
  kind: z.literal("topic"),
  group: z.string().max(128),
  partitions: z
    .array(
      z.object({
        partition: z.number().int().nonnegative(),
        /** The earliest offset still stored. */
        low: z.number().int().nonnegative(),
        /** The log end: the offset the next record gets. */
        high: z.number().int().nonnegative(),
        committed: z.number().int().nonnegative().nullable(),
        lag: z.number().int().nonnegative(),
      }),
    )
    .max(256),
});

export const peekResultSchema = z.discriminatedUnion("kind", [peekQueueSchema, peekStreamSchema, peekTopicSchema]);
export type PeekResult = z.infer<typeof peekResultSchema>;
export type PeekQueue = z.infer<typeof peekQueueSchema>;
export type PeekStream = z.infer<typeof peekStreamSchema>;
export type PeekTopic = z.infer<typeof peekTopicSchema>;

/* ---------- Commands ---------- */

/** `cancel`: where the scenario makes calls, the caller cancels every one still in flight. */
export const COMMAND_TYPES = ["publish", "add-actor", "kill-actor", "set", "reset", "cancel"] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];

const jsonPayload = z.union([z.string().max(4096), z.record(z.string(), z.unknown())]);

export const commandSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("publish"),
    count: z.number().int().min(1).max(1000).default(1),
    payload: jsonPayload.optional(),
    key: z.string().max(128).optional(),
    /** Where the broker supports it: 0 (default) to 10, higher first. */
    priority: z.number().int().min(0).max(10).optional(),
    /** Where the broker supports it: how long the message may wait for a consumer. */
    ttlMs: z.number().int().min(1).max(3_600_000).optional(),
    /** Where the scenario has several: which exchange to publish to. */
    exchange: z.string().min(1).max(128).optional(),
    /** Message headers, e.g. for a headers exchange. */
    headers: z.record(z.string().max(64), z.string().max(256)).refine((h) => Object.keys(h).length <= 10, { message: "at most 10 headers" }).optional(),
  }),
  z.object({ type: z.literal("add-actor"), role: z.string().min(1).max(32) }),
  z.object({ type: z.literal("kill-actor"), actorId: z.string().min(1).max(64) }),
  z
    .object({ type: z.literal("set") })
    .catchall(z.number().finite())
    .refine((c) => Object.keys(c).length > 1, { message: "set needs at least one parameter, e.g. { \"type\": \"set\", \"delayMs\": 30 }" }),
  z.object({ type: z.literal("reset") }),
  z.object({ type: z.literal("cancel") }),
]);
export type Command = z.infer<typeof commandSchema>;

export type ErrorCode =
  | "bad-request"
  | "not-found"
  | "forbidden"
  | "broker-down"
  | "not-running"
  | "conflict"
  /** The request body is larger than the server accepts (HTTP 413). */
  | "too-large"
  /** Too many requests from one connection in too short a time (HTTP 429). */
  | "rate-limited"
  | "internal";

export interface ApiError {
  code: ErrorCode;
  message: string;
}

export type CommandResult = { ok: true; result: unknown } | { ok: false; error: ApiError };

/* ---------- Socket.IO events ---------- */

export interface HopBatch {
  scenarioId: string;
  /** Seq of the last hop this room was sent before this batch; 0 after a snapshot at the start. */
  afterSeq: number;
  hops: Hop[];
  ledger: Ledger;
  latency: LatencySummary;
}

export interface ScenarioSnapshot {
  v: typeof PROTOCOL_VERSION;
  scenario: ScenarioInfo;
  state: ScenarioState;
  hops: Hop[];
  /** Seq of the last hop in `hops`, or the room's cursor when it is empty. */
  lastSeq: number;
  /** Hops since the last reset, including those older than `hops`. */
  totalHops: number;
  /** The gauges' readings over the last few minutes; later reads arrive in `state`. */
  gaugeHistory?: GaugeHistoryData;
}

/** What the presenter is showing: audience browsers that follow go there too. */
export interface PresenterFocus {
  scenarioId: string | null;
  /** The message the presenter selected, if any. */
  traceId: string | null;
  /** A comparison the presenter shows instead of one scenario. */
  comparisonId?: string;
}

export const presenterFocusSchema = z
  .object({
    scenarioId: z.string().min(1).max(64).nullable(),
    traceId: z.string().min(1).max(128).nullable(),
    comparisonId: z.string().min(1).max(64).optional(),
  })
  .refine((focus) => focus.comparisonId === undefined || focus.scenarioId === null, { path: ["comparisonId"], message: "a comparison or a scenario, not both" });

/** The id applications' own traffic is kept, watched and recorded under, as a scenario's is under its own. */
export const OBSERVED_ID = "observe";

/** The page a focus leads to, or null for none (the presenter is at the catalogue). */
export function focusPath(focus: PresenterFocus): string | null {
  if (focus.comparisonId !== undefined) return `/compare/${encodeURIComponent(focus.comparisonId)}`;
  if (focus.scenarioId === OBSERVED_ID) return "/observe";
  return focus.scenarioId === null ? null : `/scenarios/${encodeURIComponent(focus.scenarioId)}`;
}

/**
 * Where an audience opens Hopscope, as the server sees its own network: empty on loopback.
 * Checked in the browser too, since it becomes a QR code a room full of phones will follow.
 */
export const audienceUrlsSchema = z.array(z.url({ protocol: /^https?$/ }).max(200)).max(16);
/** To presenters only: how many audience browsers are connected. */
export const audienceCountSchema = z.object({ watching: z.number().int().nonnegative() });
export type AudienceCount = z.infer<typeof audienceCountSchema>;

export interface ServerToClientEvents {
  /**
   * `workshop`: the server listens beyond loopback, so an audience can join, at `audienceUrls`
   * (best first).
   */
  hello: (info: { v: typeof PROTOCOL_VERSION; presenter: boolean; workshop: boolean; audienceUrls: string[]; scenarios: ScenarioInfo[]; health: HealthReport; focus: PresenterFocus }) => void;
  /** The presenter moved to another scenario or message. */
  focus: (focus: PresenterFocus) => void;
  audience: (info: AudienceCount) => void;
  health: (report: HealthReport) => void;
  hops: (batch: HopBatch) => void;
  state: (state: ScenarioState) => void;
  /** The scenario's ledger and buffers were cleared: watch again for a fresh snapshot. */
  reset: (info: { scenarioId: string }) => void;
}

export type Ack<T> = (result: { ok: true; result: T } | { ok: false; error: ApiError }) => void;

export interface ClientToServerEvents {
  watch: (req: { scenarioId: string }, ack: Ack<ScenarioSnapshot>) => void;
  unwatch: (req: { scenarioId: string }) => void;
  start: (req: { scenarioId: string }, ack: Ack<ScenarioState>) => void;
  stop: (req: { scenarioId: string }, ack: Ack<ScenarioState>) => void;
  command: (req: { scenarioId: string; command: unknown }, ack: Ack<unknown>) => void;
  /** Presenter only: what the audience should be looking at. */
  focus: (req: PresenterFocus, ack: Ack<PresenterFocus>) => void;
}

export const scenarioRequestSchema = z.object({ scenarioId: z.string().min(1).max(64) });
export const commandRequestSchema = z.object({ scenarioId: z.string().min(1).max(64), command: z.unknown() });

/** Turns a zod failure into one sentence naming the field and the reason. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => {
      const path = issue.path.length ? issue.path.join(".") : "body";
      return `${path}: ${issue.message}`;
    })
    .join("; ");
}
