/**
 * A comparison's recording: every side's hops in one NDJSON file. The first line names the
 * comparison and carries each side's own scenario header (the same as a scenario recording's
 * first line); every other line is one hop of one side, in the protocol's own format, told
 * apart by its scenarioId. Replayed, each side's ledger is folded from its hops and the table
 * is computed from them with the same `summarizeSide` as live, so no figure is taken on trust.
 */
import { z } from "zod";
import { summarizeSide, type ComparisonInfo, type ComparisonView } from "./comparisons";
import { type Hop } from "./protocol";
import {
  firstIssue,
  ndjson,
  parseHop,
  parseJsonLine,
  parseRecording,
  parseRecordingHeader,
  recordingLines,
  sortedByTime,
  stateAt,
  type ReadableVersion,
  type Recording,
  type RecordingHeader,
} from "./recording";

export const COMPARISON_RECORDING_FORMAT = "hopscope-comparison-recording";
/** This format's own version: each side's header carries the protocol version of its hops. */
export const COMPARISON_RECORDING_VERSION = 1;

export interface ComparisonRecordingHeader {
  format: typeof COMPARISON_RECORDING_FORMAT;
  version: typeof COMPARISON_RECORDING_VERSION;
  recordedAt: string;
  comparison: ComparisonInfo;
  /** One scenario header per side, in the comparison's order. */
  sides: RecordingHeader[];
}

export interface ComparisonRecording {
  header: ComparisonRecordingHeader;
  /** Every side's hops, by time. */
  hops: Hop[];
  /** Each side as a scenario recording of its own, in the comparison's order. */
  sides: Recording[];
}

const comparisonInfoSchema = z.object({
  id: z.string().min(1).max(64),
  title: z.string().max(200),
  summary: z.string().max(2000),
  sides: z
    .array(
      z.object({
        scenarioId: z.string().min(1).max(64),
        label: z.string().max(100),
        killRole: z.string().min(1).max(64),
        settings: z.record(z.string(), z.number()).optional(),
        promise: z.string().max(200),
      }),
    )
    .min(1)
    .max(8)
    .refine((sides) => new Set(sides.map((s) => s.scenarioId)).size === sides.length, "a scenario appears on two sides"),
  // Kept, so a replayed table has the columns of what was sent while the service was down.
  comeback: z.object({ label: z.string().max(100), hint: z.string().max(300) }).optional(),
});

const headerSchema = z.object({
  format: z.literal(COMPARISON_RECORDING_FORMAT),
  version: z.literal(COMPARISON_RECORDING_VERSION),
  recordedAt: z.string().max(64),
  comparison: comparisonInfoSchema,
  // Checked one by one below, with the scenario recording's own reader.
  sides: z.array(z.unknown()).min(1).max(8),
});

export function encodeComparisonRecording(header: ComparisonRecordingHeader, hops: readonly Hop[]): string {
  return ndjson(header, hops);
}

export type ComparisonParseResult = { ok: true; recording: ComparisonRecording } | { ok: false; error: string };

/** Reads a comparison's recording, naming the line and field of the first thing wrong with it. */
export function parseComparisonRecording(text: string): ComparisonParseResult {
  const lines = recordingLines(text);
  if (!lines.ok) return lines;
  const first = parseJsonLine(lines.lines[0] ?? "", 1);
  if (!first.ok) return first;
  const probe = z.object({ format: z.literal(COMPARISON_RECORDING_FORMAT), version: z.number() }).safeParse(first.value);
  if (!probe.success) return { ok: false, error: "line 1: not a Hopscope comparison recording (no hopscope-comparison-recording header)" };
  if (probe.data.version !== COMPARISON_RECORDING_VERSION) return { ok: false, error: `line 1: comparison recording version ${probe.data.version}; this Hopscope reads version ${COMPARISON_RECORDING_VERSION}` };
  const parsed = headerSchema.safeParse(first.value);
  if (!parsed.success) return { ok: false, error: `line 1: ${firstIssue(parsed.error)}` };
  const { comparison } = parsed.data;
  if (parsed.data.sides.length !== comparison.sides.length) return { ok: false, error: `line 1: sides: ${parsed.data.sides.length} headers for ${comparison.sides.length} sides` };
  const sideHeaders: { header: RecordingHeader; version: ReadableVersion }[] = [];
  for (const [i, raw] of parsed.data.sides.entries()) {
    const side = parseRecordingHeader(raw);
    if (!side.ok) return { ok: false, error: `line 1: sides.${i}: ${side.error}` };
    const expected = comparison.sides[i]?.scenarioId;
    if (side.header.scenario.id !== expected) return { ok: false, error: `line 1: sides.${i}: records ${side.header.scenario.id}, but that side is ${expected}` };
    sideHeaders.push(side);
  }
  const hopsBySide = new Map(sideHeaders.map((side) => [side.header.scenario.id, [] as Hop[]]));
  const hops: Hop[] = [];
  for (let i = 1; i < lines.lines.length; i++) {
    const value = parseJsonLine(lines.lines[i] ?? "", i + 1);
    if (!value.ok) return value;
    const scenarioId = z.object({ scenarioId: z.string() }).safeParse(value.value);
    if (!scenarioId.success) return { ok: false, error: `line ${i + 1}: ${firstIssue(scenarioId.error)}` };
    const side = sideHeaders.find((s) => s.header.scenario.id === scenarioId.data.scenarioId);
    const sideHops = hopsBySide.get(scenarioId.data.scenarioId);
    if (!side || !sideHops) return { ok: false, error: `line ${i + 1}: scenarioId: ${scenarioId.data.scenarioId} is not a side of ${comparison.id}` };
    const hop = parseHop(value.value, i + 1, side.version);
    if (!hop.ok) return hop;
    sideHops.push(hop.hop);
    hops.push(hop.hop);
  }
  const sides = sideHeaders.map(({ header }) => ({ header, hops: sortedByTime(hopsBySide.get(header.scenario.id) ?? []) }));
  return { ok: true, recording: { header: { ...parsed.data, comparison, sides: sideHeaders.map((s) => s.header) }, hops: sortedByTime(hops), sides } };
}

/** What a file holds: a scenario's recording or a comparison's, told apart by its first line. */
export type AnyRecording = { kind: "scenario"; recording: Recording } | { kind: "comparison"; recording: ComparisonRecording };
export type AnyParseResult = ({ ok: true } & AnyRecording) | { ok: false; error: string };

export function parseAnyRecording(text: string): AnyParseResult {
  const newline = text.indexOf("\n");
  const first = parseJsonLine(newline >= 0 ? text.slice(0, newline) : text, 1);
  const format = z.object({ format: z.literal(COMPARISON_RECORDING_FORMAT) }).safeParse(first.ok ? first.value : null);
  if (format.success) {
    const parsed = parseComparisonRecording(text);
    return parsed.ok ? { ok: true, kind: "comparison", recording: parsed.recording } : parsed;
  }
  const parsed = parseRecording(text);
  return parsed.ok ? { ok: true, kind: "scenario", recording: parsed.recording } : parsed;
}

/**
 * The comparison as the live page showed it at `untilMs` after the recording's first hop: each
 * side's state from its hops up to then, and its row computed from them.
 */
export function comparisonViewAt(recording: ComparisonRecording, untilMs: number): ComparisonView {
  const start = recording.hops[0]?.at ?? 0;
  const info = recording.header.comparison;
  const sides = recording.sides.map((side, i) => {
    const count = countUntil(side.hops, start + untilMs);
    const state = stateAt(side, count);
    const comparisonSide = info.sides[i] ?? { scenarioId: side.header.scenario.id, label: side.header.scenario.title, killRole: "", promise: "" };
    return { state, summary: summarizeSide(comparisonSide, side.hops.slice(0, count), state) };
  });
  const seen = countUntil(recording.hops, start + untilMs);
  return { info, sides, lastSeq: recording.hops[seen - 1]?.seq ?? 0, totalHops: seen };
}

/** How many of the hops (by time) lie at or before `at`. */
function countUntil(hops: readonly Hop[], at: number): number {
  let low = 0;
  let high = hops.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((hops[mid]?.at ?? 0) <= at) low = mid + 1;
    else high = mid;
  }
  return low;
}
