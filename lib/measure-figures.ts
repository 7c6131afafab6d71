/**
 * The arithmetic of "Measure on this machine", apart from any broker: samples into figures, the
 * pace of a fixed-rate run, and the table a terminal prints. Pure, so the guide can use it too.
 */
import { percentile } from "./latency";
import { MEASURE_IDS, type MeasureId, type MeasurementSet, type MeasureResult, type MeasureSettings } from "./measurements";

export type LatencyFigure = NonNullable<MeasureResult["latency"]>;
export type ThroughputFigure = NonNullable<MeasureResult["throughput"]>;

/** Null without samples: a figure from nothing would read as a broker faster than light. */
export function latencyFigure(samplesMs: readonly number[], path: string): LatencyFigure | null {
  const sorted = samplesMs.filter((ms) => Number.isFinite(ms)).sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  const p99 = percentile(sorted, 99);
  if (p50 === null || p99 === null) return null;
  // A receiver's clock read can land a hair before the sender's on another core: never below 0.
  return { p50Ms: round3(Math.max(0, p50)), p99Ms: round3(Math.max(0, p99)), samples: sorted.length, path };
}

export function throughputFigure(messages: number, elapsedMs: number): ThroughputFigure | null {
  if (elapsedMs <= 0) return null;
  const seconds = elapsedMs / 1000;
  return { messagesPerSecond: Math.round(messages / seconds), messages, seconds: round3(seconds) };
}

/** How many messages a run at `rate` a second should have sent `elapsedMs` after it began. */
export function dueCount(elapsedMs: number, rate: number): number {
  return Math.max(0, Math.floor((elapsedMs * rate) / 1000) + 1);
}

/** The ids a run measures, in the contract's order whatever order they were asked in. */
export function idsToMeasure(settings: Pick<MeasureSettings, "only">): MeasureId[] {
  const only = settings.only;
  return only ? MEASURE_IDS.filter((id) => only.includes(id)) : [...MEASURE_IDS];
}

/** Each broker's latency and throughput are a step each, as MeasureRun counts them. */
export function stepsOf(settings: Pick<MeasureSettings, "only">): number {
  return idsToMeasure(settings).length * 2;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function cell(value: number | null | undefined, digits: number): string {
  if (value === null || value === undefined) return "—";
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function row(result: MeasureResult): string[] {
  return [result.label, cell(result.latency?.p50Ms, 2), cell(result.latency?.p99Ms, 2), cell(result.throughput?.messagesPerSecond, 0), result.error ?? ""];
}

/** A fixed-width table of a set, one broker a line, for a terminal or a log. */
export function formatMeasurementTable(set: Pick<MeasurementSet, "results">): string {
  const rows = [["broker", "p50 ms", "p99 ms", "msg/s", ""], ...set.results.map(row)];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((r) => (r[column] ?? "").length))) ?? [];
  return rows
    .map((r) => r.map((text, column) => (column === 0 || column === r.length - 1 ? text.padEnd(widths[column] ?? 0) : text.padStart(widths[column] ?? 0))).join("  ").trimEnd())
    .join("\n");
}
