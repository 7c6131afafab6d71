import type { Hop, MessageHop, MessageHopKind, ScenarioInfo } from "./protocol";
import { isMessageHop } from "./protocol";
import { statusAfter, type MessageStatus } from "./hops";
import { roundTripsOf } from "./latency";
import { ledgerOf } from "./ledger";

/** What decides a trace's status: the scenario's completion hops, or for a story, its unit. */
export type TraceRules = Pick<ScenarioInfo, "guarantee" | "completesOn" | "legs" | "unit">;

/** A trace ends as its message does, or, for a saga, undone by its compensation. */
export type TraceStatus = MessageStatus | "compensated";

export interface Trace {
  traceId: string;
  messageId: string;
  hops: MessageHop[];
  status: TraceStatus;
  attempts: number;
  /** Round trip of the attempt that completed, measured by the sender. */
  rttMs: number | null;
  reason: string | null;
}

/**
 * Groups message hops by trace, each trace's hops in time order. A trace's status follows its
 * scenario: the first hop that settles it (`completesOn`), or for a story across brokers, its
 * unit (an order completes when all its jobs are done, not when payment answers).
 */
export function assembleTraces(hops: readonly Hop[], rules?: TraceRules | readonly MessageHopKind[]): Map<string, Trace> {
  const completesOn = rules === undefined || isKindList(rules) ? rules : rules.completesOn;
  const completion = completesOn ? new Set(completesOn) : undefined;
  const story = rules !== undefined && !isKindList(rules) && rules.unit ? rules : null;
  const calls = rules !== undefined && !isKindList(rules) && rules.guarantee === "caller-informed";
  const traces = new Map<string, Trace>();
  for (const hop of hops) {
    if (!isMessageHop(hop)) continue;
    let trace = traces.get(hop.message.traceId);
    if (!trace) {
      trace = { traceId: hop.message.traceId, messageId: hop.message.id, hops: [], status: "in-flight", attempts: 0, rttMs: null, reason: null };
      traces.set(hop.message.traceId, trace);
    }
    trace.hops.push(hop);
  }
  for (const trace of traces.values()) {
    trace.hops.sort((a, b) => a.at - b.at || a.seq - b.seq);
    for (const hop of trace.hops) {
      trace.attempts = Math.max(trace.attempts, hop.message.attempt);
      const status = statusAfter(hop.kind, completion);
      if (status && trace.status === "in-flight") {
        trace.status = status;
        trace.rttMs = hop.rttMs ?? null;
        trace.reason = hop.reason ?? null;
      }
    }
    if (story) settleByUnit(trace, story);
    if (calls) settleByCall(trace);
  }
  return traces;
}

function isKindList(rules: TraceRules | readonly MessageHopKind[]): rules is readonly MessageHopKind[] {
  return Array.isArray(rules);
}

/**
 * The unit's own ledger over the trace's hops says how the business action ended. Where the
 * action's first publish is no longer among the hops (a buffer let it go), the ledger cannot
 * count it, and the hop-by-hop status stands.
 */
function settleByUnit(trace: Trace, story: TraceRules): void {
  const ledger = ledgerOf(trace.hops, { guarantee: story.guarantee, ...(story.legs ? { legs: story.legs } : {}), ...(story.unit ? { unit: story.unit } : {}) });
  if (ledger.published === 0) return;
  trace.status = "in-flight";
  trace.reason = null;
  // The round trip shown is the first leg's: the request the story waited on.
  trace.rttMs = trace.hops.find(roundTripsOf(story.legs))?.rttMs ?? null;
  if (ledger.completed > 0) trace.status = "completed";
  else if (ledger.compensated) {
    trace.status = "compensated";
    trace.reason = Object.keys(ledger.compensatedReasons ?? {})[0] ?? null;
  } else if (ledger.deadLettered > 0) trace.status = "dead-lettered";
  else if (ledger.dropped > 0 || ledger.lost > 0) {
    trace.status = "dropped";
    const lostWhy = Object.keys(ledger.lostReasons).find((reason) => reason !== "unspecified");
    trace.reason = Object.keys(ledger.dropReasons)[0] ?? (ledger.lost > 0 ? `lost: ${lostWhy ?? "a message of an at-least-once leg never arrived"}` : null);
  }
}

/**
 * A call ends when its caller gets the status, whatever the servers saw: OK completes it, any
 * other code ends it short, said with its code and details. The time shown is the caller's: to
 * the OK of a unary call, to the first message of a stream.
 */
function settleByCall(trace: Trace): void {
  const caller = trace.hops.filter((hop) => hop.call?.side === "client");
  trace.rttMs = caller.find((hop) => hop.rttMs !== undefined)?.rttMs ?? null;
  const status = caller.find((hop) => hop.kind === "status")?.call?.status;
  if (!status) return;
  trace.status = status.code === "OK" ? "completed" : "dropped";
  trace.reason = status.code === "OK" ? null : `${status.code}: ${status.details}`;
}

/**
 * Time since the previous hop of the same message, keyed by seq: the number printed on each
 * arrow. The first hop of a message has none. A routing hop is observed at delivery, not timed
 * on its own, so it is never the reference for the next hop. A tap's commit is stamped when the
 * tap next asked the group (up to half a second late), so it is given no time, lest the room read
 * the tap's polling as Kafka's.
 */
export function hopDeltas(hops: readonly Hop[]): Map<number, number> {
  const previousAt = new Map<string, number>();
  const deltas = new Map<number, number>();
  const ordered = hops.filter(isMessageHop).sort((a, b) => a.at - b.at || a.seq - b.seq);
  for (const hop of ordered) {
    if (hop.kind === "committed" && hop.source === "tap") continue;
    const before = previousAt.get(hop.message.id);
    if (before !== undefined) deltas.set(hop.seq, hop.at - before);
    if (hop.kind !== "routed") previousAt.set(hop.message.id, hop.at);
  }
  return deltas;
}
