/**
 * A recording: one scenario's hops as NDJSON, in the protocol's own format. The first line says
 * what it is (format, protocol version, the scenario, how its ledger counts, the state at the
 * end); every other line is one hop, oldest first. Pure, so the server writes it and the
 * browser reads it with the same code.
 */
import { z } from "zod";
import { ledgerOf, type LedgerRules } from "./ledger";
import {
  actorHopDraftSchema,
  BROKERS,
  MESSAGE_HOP_KINDS,
  messageHopDraftSchema,
  PROTOCOL_VERSION,
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

const stamped = { v: z.literal(PROTOCOL_VERSION), seq: z.number().int().positive() };
const hopSchema = z.discriminatedUnion("kind", [messageHopDraftSchema.extend(stamped), actorHopDraftSchema.extend(stamped)]);

const roleSchema = z.object({ name: z.string(), description: z.string(), min: z.number(), max: z.number(), killable: z.boolean() });
const channelSchema = z.object({ id: z.string(), label: z.string(), kind: z.string(), column: z.enum(["middle", "queues", "sink"]).optional() });
const linkSchema = z.object({ from: z.string(), to: z.string(), label: z.string().optional() });

const scenarioInfoSchema = z.object({
  id: z.string().min(1).max(64),
  title: z.string().max(200),
  summary: z.string().max(2000),
  pattern: z.string().max(64),
  broker: z.enum(BROKERS),
  guarantee: z.enum(["at-most-once", "at-least-once"]),
  publishLabel: z.string().max(64),
  roundTrip: z.string().max(200),
  roles: z.array(roleSchema).max(16),
  commands: z.array(z.object({ type: z.enum(["publish", "add-actor", "kill-actor", "set", "reset"]), description: z.string() })).max(16),
  settings: z.array(z.object({ name: z.string(), label: z.string(), unit: z.string(), min: z.number(), max: z.number(), step: z.number() })).max(32),
  channels: z.array(channelSchema).max(64),
  links: z.array(linkSchema).max(512).optional(),
  publishFields: z.array(z.object({ name: z.enum(["exchange", "key", "headers", "priority", "ttlMs"]), label: z.string(), options: z.array(z.string()).optional(), initial: z.string(), placeholder: z.string().optional() })).max(8).optional(),
  checksKeyOrder: z.boolean().optional(),
  completesOn: z.array(z.enum(MESSAGE_HOP_KINDS)).max(16).optional(),
});

const stateSchema = z.object({
  id: z.string(),
  running: z.boolean(),
  actors: z.array(z.object({ id: z.string(), role: z.string(), pid: z.number(), alive: z.boolean(), connected: z.boolean(), connections: z.array(z.string()).optional() })).max(256),
  settings: z.record(z.string(), z.number()),
  gauges: z.record(z.string(), z.record(z.string(), z.number())),
  unavailable: z.string().nullable(),
  layout: z.object({ channels: z.array(channelSchema), links: z.array(linkSchema), caption: z.string().optional() }).optional(),
  // Recomputed from the hops on replay; kept as the live run saw it, for comparison.
  ledger: z.object({
    published: z.number(),
    delivered: z.number(),
    redelivered: z.number(),
    completed: z.number(),
    duplicates: z.number(),
    deadLettered: z.number(),
    dropped: z.number(),
    dropReasons: z.record(z.string(), z.number()),
    lost: z.number(),
    inFlight: z.number(),
    outOfOrder: z.number(),
  }),
  latency: z.object({ count: z.number(), lastMs: z.number().nullable(), p50Ms: z.number().nullable(), p99Ms: z.number().nullable() }),
});

const headerSchema = z.object({
  format: z.literal(RECORDING_FORMAT),
  v: z.literal(PROTOCOL_VERSION),
  recordedAt: z.string().max(64),
  scenario: scenarioInfoSchema,
  rules: z.object({
    guarantee: z.enum(["at-most-once", "at-least-once"]),
    completesOn: z.array(z.enum(MESSAGE_HOP_KINDS)).optional(),
    exclusiveDelivery: z.boolean().optional(),
    keyOrder: z.boolean().optional(),
  }),
  state: stateSchema,
  truncated: z.boolean().optional(),
});

export function encodeRecording(header: RecordingHeader, hops: readonly Hop[]): string {
  return [JSON.stringify(header), ...hops.map((hop) => JSON.stringify(hop))].join("\n") + "\n";
}

export type ParseResult = { ok: true; recording: Recording } | { ok: false; error: string };

/** Reads a recording, naming the line and field of the first thing wrong with it. */
export function parseRecording(text: string): ParseResult {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  if (lines.length === 0) return { ok: false, error: "the file is empty" };
  if (lines.length - 1 > MAX_RECORDING_HOPS) return { ok: false, error: `more than ${MAX_RECORDING_HOPS} hops` };
  const json = (line: string, n: number): { ok: true; value: unknown } | { ok: false; error: string } => {
    try {
      return { ok: true, value: JSON.parse(line) as unknown };
    } catch {
      return { ok: false, error: `line ${n}: not JSON` };
    }
  };
  const first = json(lines[0] ?? "", 1);
  if (!first.ok) return first;
  const probe = z.object({ format: z.string(), v: z.number() }).safeParse(first.value);
  if (!probe.success || probe.data.format !== RECORDING_FORMAT) return { ok: false, error: "line 1: not a Hopscope recording (no hopscope-recording header)" };
  if (probe.data.v !== PROTOCOL_VERSION) return { ok: false, error: `line 1: recorded with protocol v${probe.data.v}; this Hopscope reads v${PROTOCOL_VERSION}` };
  const header = headerSchema.safeParse(first.value);
  if (!header.success) return { ok: false, error: `line 1: ${describe(header.error)}` };
  const hops: Hop[] = [];
  for (let i = 1; i < lines.length; i++) {
    const parsed = json(lines[i] ?? "", i + 1);
    if (!parsed.ok) return parsed;
    const hop = hopSchema.safeParse(parsed.value);
    if (!hop.success) return { ok: false, error: `line ${i + 1}: ${describe(hop.error)}` };
    hops.push(hop.data);
  }
  hops.sort((a, b) => a.at - b.at || a.seq - b.seq);
  return { ok: true, recording: { header: header.data, hops } };
}

function describe(error: z.ZodError): string {
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
