/**
 * A recording: one scenario's hops as NDJSON, in the protocol's own format. The first line says
 * what it is (format, protocol version, the scenario, how its ledger counts, the state at the
 * end); every other line is one hop, oldest first. Pure, so the server writes it and the
 * browser reads it with the same code. Recordings of protocol v2 (one broker per scenario) are
 * upgraded on read, so what was recorded then still replays.
 */
import { z } from "zod";
import { LatencyWindow, roundTripsOf } from "./latency";
import { ledgerOf, type LedgerRules } from "./ledger";
import {
  actorHopDraftSchema,
  COMMAND_TYPES,
  isMessageHop,
  GUARANTEES,
  TRANSPORTS,
  MESSAGE_HOP_KINDS,
  messageHopDraftSchema,
  PROTOCOL_VERSION,
  type ActorState,
  type Hop,
  type Ledger,
  type ScenarioInfo,
  type ScenarioState,
} from "./protocol";

export const RECORDING_FORMAT = "hopscope-recording";
/** Far more than a workshop records; refuses a file that would stall the browser. */
export const MAX_RECORDING_HOPS = 100_000;

export interface RecordingHeader {
  format: typeof RECORDING_FORMAT;
  v: typeof PROTOCOL_VERSION;
  recordedAt: string;
  scenario: ScenarioInfo;
  rules: LedgerRules;
  /** The scenario's state when the recording was taken: its actors, settings and layout. */
  state: ScenarioState;
  /** The server's buffer had already let go of the oldest hops asked for. */
  truncated?: boolean;
}

export interface Recording {
  header: RecordingHeader;
  hops: Hop[];
}

/** Recordings of these versions are read; older ones are upgraded to this protocol on read. */
export const READABLE_VERSIONS = [2, PROTOCOL_VERSION] as const;
export type ReadableVersion = (typeof READABLE_VERSIONS)[number];

const hopSchemaOf = (v: ReadableVersion) => {
  const stamped = { v: z.literal(v), seq: z.number().int().positive() };
  return z.discriminatedUnion("kind", [messageHopDraftSchema.extend(stamped), actorHopDraftSchema.extend(stamped)]);
};
const hopSchemas = { 2: hopSchemaOf(2), [PROTOCOL_VERSION]: hopSchemaOf(PROTOCOL_VERSION) } as const;

const guaranteeSchema = z.enum(GUARANTEES);
const brokerSchema = z.enum(TRANSPORTS);

const v2RoleSchema = z.object({ name: z.string(), description: z.string(), min: z.number(), max: z.number(), killable: z.boolean() });
const roleSchema = v2RoleSchema.extend({ transport: brokerSchema, publishes: z.boolean().optional() });
const channelSchema = z.object({ id: z.string(), label: z.string(), kind: z.string(), column: z.enum(["middle", "queues", "sink"]).optional() });
const linkSchema = z.object({ from: z.string(), to: z.string(), label: z.string().optional() });

const legRuleSchema = z.object({
  name: z.string().min(1).max(64),
  guarantee: guaranteeSchema,
  destinations: z.array(z.string().max(256)).min(1).max(64),
  completesOn: z.array(z.enum(MESSAGE_HOP_KINDS)).max(16).optional(),
  exclusiveDelivery: z.boolean().optional(),
});
const unitRuleSchema = z.object({
  name: z.string().min(1).max(64),
  completesWhenAll: z.array(z.string().max(256)).min(1).max(64),
  endsOnDropIn: z.array(z.string().max(64)).max(16),
  closesOn: z.string().max(256).optional(),
  compensatedOn: z.record(z.string().max(256), z.string().max(200)).optional(),
});

const scenarioFields = {
  id: z.string().min(1).max(64),
  title: z.string().max(200),
  summary: z.string().max(2000),
  pattern: z.string().max(64),
  broker: brokerSchema,
  guarantee: guaranteeSchema,
  publishLabel: z.string().max(64),
  roundTrip: z.string().max(200),
  commands: z.array(z.object({ type: z.enum(COMMAND_TYPES), description: z.string() })).max(16),
  settings: z.array(z.object({ name: z.string(), label: z.string(), unit: z.string(), min: z.number(), max: z.number(), step: z.number() })).max(32),
  channels: z.array(channelSchema).max(64),
  links: z.array(linkSchema).max(512).optional(),
  publishFields: z.array(z.object({ name: z.enum(["exchange", "key", "headers", "priority", "ttlMs"]), label: z.string(), options: z.array(z.string()).optional(), initial: z.string(), placeholder: z.string().optional() })).max(8).optional(),
  checksKeyOrder: z.boolean().optional(),
  completesOn: z.array(z.enum(MESSAGE_HOP_KINDS)).max(16).optional(),
};

const v2ScenarioInfoSchema = z.object({ ...scenarioFields, roles: z.array(v2RoleSchema).max(16) });
const scenarioInfoSchema = z
  .object({
    ...scenarioFields,
    brokers: z.array(brokerSchema).min(1).max(TRANSPORTS.length),
    roles: z.array(roleSchema).max(16),
    legs: z.array(legRuleSchema).max(16).optional(),
    unit: unitRuleSchema.optional(),
    layout: z.literal("pipeline").optional(),
  })
  .superRefine((s, ctx) => {
    if (s.brokers[0] !== s.broker) ctx.addIssue({ code: "custom", path: ["broker"], message: "must be the first of brokers" });
    s.roles.forEach((role, i) => {
      if (!s.brokers.includes(role.transport)) ctx.addIssue({ code: "custom", path: ["roles", i, "transport"], message: `${role.transport} is not one of brokers` });
    });
  });

const ledgerCounts = {
  published: z.number(),
  delivered: z.number(),
  redelivered: z.number(),
  completed: z.number(),
  duplicates: z.number(),
  deadLettered: z.number(),
  dropped: z.number(),
  dropReasons: z.record(z.string(), z.number()),
  lost: z.number(),
  // Absent from recordings made before the ledger kept them.
  lostReasons: z.record(z.string(), z.number()).default({}),
  deadLetterReasons: z.record(z.string(), z.number()).default({}),
  inFlight: z.number(),
  outOfOrder: z.number(),
  compensated: z.number().optional(),
  missed: z.number().optional(),
  compensatedReasons: z.record(z.string(), z.number()).optional(),
};
/** A v2 ledger: counts only. */
const countsLedgerSchema = z.object(ledgerCounts);
const callsSchema = z.object({ started: z.number(), ok: z.number(), retriedThenOk: z.number(), retries: z.number(), cancelled: z.number(), failed: z.record(z.string(), z.number()) });
/** A leg's: counts, and its calls where the leg makes them (gRPC). */
const legLedgerSchema = z.object({ ...ledgerCounts, calls: callsSchema.optional() });
const ledgerSchema = z.object({
  ...ledgerCounts,
  unit: z.string().max(64).optional(),
  legs: z.array(z.object({ name: z.string().max(64), guarantee: guaranteeSchema, ledger: legLedgerSchema })).max(16).optional(),
  calls: callsSchema.optional(),
});

const stateFields = {
  id: z.string(),
  running: z.boolean(),
  actors: z.array(z.object({ id: z.string(), role: z.string(), pid: z.number(), alive: z.boolean(), connected: z.boolean(), connections: z.array(z.string()).optional() })).max(256),
  settings: z.record(z.string(), z.number()),
  gauges: z.record(z.string(), z.record(z.string(), z.number())),
  unavailable: z.string().nullable(),
  layout: z.object({ channels: z.array(channelSchema), links: z.array(linkSchema), caption: z.string().optional() }).optional(),
  latency: z.object({ count: z.number(), lastMs: z.number().nullable(), p50Ms: z.number().nullable(), p99Ms: z.number().nullable() }),
};
// The ledger is recomputed from the hops on replay; kept as the live run saw it, for comparison.
const v2StateSchema = z.object({ ...stateFields, ledger: countsLedgerSchema });
const stateSchema = z.object({ ...stateFields, ledger: ledgerSchema });

const ruleFields = {
  guarantee: guaranteeSchema,
  completesOn: z.array(z.enum(MESSAGE_HOP_KINDS)).optional(),
  exclusiveDelivery: z.boolean().optional(),
  keyOrder: z.boolean().optional(),
  broadcast: z.boolean().optional(),
};
const v2RulesSchema = z.object(ruleFields);
const rulesSchema = z
  .object({ ...ruleFields, legs: z.array(legRuleSchema).max(16).optional(), unit: unitRuleSchema.optional() })
  .superRefine((rules, ctx) => {
    // The ledger would quietly count nothing for a leg or destination misnamed here.
    const legs = rules.legs ?? [];
    const owner = new Map<string, string>();
    legs.forEach((leg, i) => {
      if (legs.findIndex((other) => other.name === leg.name) !== i) ctx.addIssue({ code: "custom", path: ["legs", i, "name"], message: `leg ${leg.name} is declared twice` });
      for (const destination of leg.destinations) {
        const first = owner.get(destination);
        if (first !== undefined && first !== leg.name) ctx.addIssue({ code: "custom", path: ["legs", i, "destinations"], message: `${destination} is already in leg ${first}` });
        owner.set(destination, leg.name);
      }
    });
    if (!rules.unit) return;
    rules.unit.endsOnDropIn.forEach((name, i) => {
      if (!legs.some((leg) => leg.name === name)) ctx.addIssue({ code: "custom", path: ["unit", "endsOnDropIn", i], message: `no leg ${name}` });
    });
    if (legs.length === 0) return;
    rules.unit.completesWhenAll.forEach((destination, i) => {
      if (!owner.has(destination)) ctx.addIssue({ code: "custom", path: ["unit", "completesWhenAll", i], message: `${destination} is in no leg` });
    });
    const closesOn = rules.unit.closesOn;
    if (closesOn !== undefined && !owner.has(closesOn)) ctx.addIssue({ code: "custom", path: ["unit", "closesOn"], message: `${closesOn} is in no leg` });
    for (const destination of Object.keys(rules.unit.compensatedOn ?? {})) {
      if (!owner.has(destination)) ctx.addIssue({ code: "custom", path: ["unit", "compensatedOn", destination], message: `${destination} is in no leg` });
    }
  });

const headerFields = { format: z.literal(RECORDING_FORMAT), recordedAt: z.string().max(64), truncated: z.boolean().optional() };
const v2HeaderSchema = z.object({ ...headerFields, v: z.literal(2), scenario: v2ScenarioInfoSchema, rules: v2RulesSchema, state: v2StateSchema });
const headerSchema = z.object({ ...headerFields, v: z.literal(PROTOCOL_VERSION), scenario: scenarioInfoSchema, rules: rulesSchema, state: stateSchema });

/** A v2 scenario spoke to one broker: every role's transport is that broker. */
function upgradeHeader(header: z.infer<typeof v2HeaderSchema>): RecordingHeader {
  const { scenario } = header;
  return {
    ...header,
    v: PROTOCOL_VERSION,
    scenario: { ...scenario, brokers: [scenario.broker], roles: scenario.roles.map((role) => ({ ...role, transport: scenario.broker })) },
  };
}

export function encodeRecording(header: RecordingHeader, hops: readonly Hop[]): string {
  return ndjson(header, hops);
}

/** A header line, then one hop per line. */
export function ndjson(header: object, hops: readonly Hop[]): string {
  return [JSON.stringify(header), ...hops.map((hop) => JSON.stringify(hop))].join("\n") + "\n";
}

export type ParseResult = { ok: true; recording: Recording } | { ok: false; error: string };

/** Reads a recording, naming the line and field of the first thing wrong with it. */
export function parseRecording(text: string): ParseResult {
  const lines = recordingLines(text);
  if (!lines.ok) return lines;
  const first = parseJsonLine(lines.lines[0] ?? "", 1);
  if (!first.ok) return first;
  const header = parseRecordingHeader(first.value);
  if (!header.ok) return { ok: false, error: `line 1: ${header.error}` };
  const hops: Hop[] = [];
  for (let i = 1; i < lines.lines.length; i++) {
    const value = parseJsonLine(lines.lines[i] ?? "", i + 1);
    if (!value.ok) return value;
    const hop = parseHop(value.value, i + 1, header.version);
    if (!hop.ok) return hop;
    hops.push(hop.hop);
  }
  return { ok: true, recording: { header: header.header, hops: sortedByTime(hops) } };
}

/** The non-empty lines of an NDJSON recording, within the size a browser replays. */
export function recordingLines(text: string): { ok: true; lines: string[] } | { ok: false; error: string } {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  if (lines.length === 0) return { ok: false, error: "the file is empty" };
  if (lines.length - 1 > MAX_RECORDING_HOPS) return { ok: false, error: `more than ${MAX_RECORDING_HOPS} hops` };
  return { ok: true, lines };
}

export function parseJsonLine(line: string, n: number): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(line) as unknown };
  } catch {
    return { ok: false, error: `line ${n}: not JSON` };
  }
}

/** A scenario's header, upgraded to this protocol; `version` is the one its hops were recorded in. */
export function parseRecordingHeader(value: unknown): { ok: true; header: RecordingHeader; version: ReadableVersion } | { ok: false; error: string } {
  const probe = z.object({ format: z.string(), v: z.number() }).safeParse(value);
  if (!probe.success || probe.data.format !== RECORDING_FORMAT) return { ok: false, error: "not a Hopscope recording (no hopscope-recording header)" };
  const v = probe.data.v;
  if (!isReadable(v)) return { ok: false, error: `recorded with protocol v${v}; this Hopscope reads ${READABLE_VERSIONS.map((r) => `v${r}`).join(" and ")}` };
  if (v === PROTOCOL_VERSION) {
    const parsed = headerSchema.safeParse(value);
    return parsed.success ? { ok: true, header: parsed.data, version: v } : { ok: false, error: firstIssue(parsed.error) };
  }
  const parsed = v2HeaderSchema.safeParse(value);
  return parsed.success ? { ok: true, header: upgradeHeader(parsed.data), version: v } : { ok: false, error: firstIssue(parsed.error) };
}

/** One hop of a recording made with protocol `version` (line `n`, parsed), as a hop of this protocol. */
export function parseHop(value: unknown, n: number, version: ReadableVersion): { ok: true; hop: Hop } | { ok: false; error: string } {
  const hop = hopSchemas[version].safeParse(value);
  if (!hop.success) return { ok: false, error: `line ${n}: ${firstIssue(hop.error)}` };
  // Hops mean the same in v2 and v3: only the stamp changes.
  return { ok: true, hop: { ...hop.data, v: PROTOCOL_VERSION } };
}

/** Replays go by time; seq breaks ties, as the server numbered them. */
export function sortedByTime(hops: Hop[]): Hop[] {
  return hops.sort((a, b) => a.at - b.at || a.seq - b.seq);
}

function isReadable(v: number): v is ReadableVersion {
  return (READABLE_VERSIONS as readonly number[]).includes(v);
}

export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join(".") || "value"}: ${issue.message}` : "invalid";
}

/** The ledger a replay shows at a moment: the same fold the live server runs. */
export function ledgerAt(recording: Recording, untilMs: number): Ledger {
  const start = recording.hops[0]?.at ?? 0;
  return ledgerOf(
    recording.hops.filter((h) => h.at - start <= untilMs),
    recording.header.rules,
  );
}

/** How long the recording runs, first hop to last, in ms. */
export function durationOf(recording: Recording): number {
  const first = recording.hops[0]?.at ?? 0;
  const last = recording.hops[recording.hops.length - 1]?.at ?? first;
  return last - first;
}

/**
 * The scenario's state as the live page showed it after the recording's first `count` hops:
 * the ledger and latency folded from them, and who was on stage. The broker's own readings
 * (queue depths, Kafka's assignment) were taken at the end: they are shown there, and only there.
 */
export function stateAt(recording: Recording, count: number): ScenarioState {
  const { header, hops } = recording;
  const seen = hops.slice(0, count);
  const latency = new LatencyWindow();
  const timesRoundTrip = roundTripsOf(header.rules.legs);
  for (const hop of seen) if (isMessageHop(hop) && hop.rttMs !== undefined && timesRoundTrip(hop)) latency.add(hop.rttMs);
  const atEnd = count >= hops.length;
  const { layout, ...rest } = header.state;
  return {
    ...rest,
    ...(atEnd && layout ? { layout } : {}),
    gauges: atEnd ? header.state.gauges : {},
    running: true,
    actors: actorsAt(recording, seen),
    ledger: ledgerOf(seen, header.rules),
    latency: latency.summary(),
    unavailable: null,
  };
}

/** Who was on stage: started by then (or before the recording), and not yet killed or gone. */
function actorsAt(recording: Recording, seen: readonly Hop[]): ActorState[] {
  const startedInRecording = new Set<string>();
  const namedInRecording = new Set<string>();
  for (const hop of recording.hops) {
    if (isMessageHop(hop)) continue;
    namedInRecording.add(hop.actor.id);
    if (hop.kind === "actor-started") startedInRecording.add(hop.actor.id);
  }
  const started = new Set<string>();
  const ended = new Set<string>();
  const byId = new Map(recording.header.state.actors.map((a) => [a.id, a]));
  for (const hop of seen) {
    if (isMessageHop(hop)) continue;
    if (hop.kind === "actor-started") started.add(hop.actor.id);
    if (hop.kind === "actor-killed" || hop.kind === "actor-exited") ended.add(hop.actor.id);
    if (!byId.has(hop.actor.id)) byId.set(hop.actor.id, { id: hop.actor.id, role: hop.actor.role, pid: hop.actor.pid, alive: false, connected: false });
  }
  return [...byId.values()]
    .filter((a) => !startedInRecording.has(a.id) || started.has(a.id))
    .map((a) => {
      // An actor the recording says nothing about is as the end state has it (killed before).
      const alive = namedInRecording.has(a.id) ? !ended.has(a.id) : a.alive;
      return { ...a, alive, connected: alive };
    });
}
