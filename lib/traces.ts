import type { Hop, MessageHop, MessageHopKind } from "./protocol";
import { isMessageHop } from "./protocol";
import { statusAfter, type MessageStatus } from "./hops";

export interface Trace {
  traceId: string;
  messageId: string;
  hops: MessageHop[];
  status: MessageStatus;
  attempts: number;
  /** Round trip of the attempt that completed, measured by the sender. */
  rttMs: number | null;
  reason: string | null;
}

/** Groups message hops by trace, each trace's hops in time order; `completesOn` as the scenario says. */
export function assembleTraces(hops: readonly Hop[], completesOn?: readonly MessageHopKind[]): Map<string, Trace> {
  const completion = completesOn ? new Set(completesOn) : undefined;
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
  }
  return traces;
}

/**
 * Time since the previous hop of the same message, keyed by seq: the number printed on each
 * arrow. The first hop of a message has none. A routing hop is observed at delivery, not timed
 * on its own, so it is never the reference for the next hop.
 */
export function hopDeltas(hops: readonly Hop[]): Map<number, number> {
  const previousAt = new Map<string, number>();
  const deltas = new Map<number, number>();
  const ordered = hops.filter(isMessageHop).sort((a, b) => a.at - b.at || a.seq - b.seq);
  for (const hop of ordered) {
    const before = previousAt.get(hop.message.id);
    if (before !== undefined) deltas.set(hop.seq, hop.at - before);
    if (hop.kind !== "routed") previousAt.set(hop.message.id, hop.at);
  }
  return deltas;
}
