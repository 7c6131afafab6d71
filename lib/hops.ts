import type { Hop, HopKind, MessageHop, MessageHopKind } from "./protocol";
import { isMessageHop } from "./protocol";

/** What each hop kind means for a message's life; the ledger and traces share these. */
export const DELIVERY_KINDS: ReadonlySet<MessageHopKind> = new Set(["delivered", "redelivered", "claimed"]);
/** A consumer finished its work on the message; more than one per message is a duplicate. */
export const PROCESSED_KINDS: ReadonlySet<MessageHopKind> = new Set(["replied", "acked", "processed"]);
export const COMPLETION_KINDS: ReadonlySet<MessageHopKind> = new Set(["reply-received", "acked"]);

export type MessageStatus = "in-flight" | "completed" | "dropped" | "dead-lettered";

/** The hop that sends a message on its way: a publish, or the start of a call as its caller made it. */
export function opensMessage(hop: Pick<MessageHop, "kind" | "call">): boolean {
  return hop.kind === "published" || (hop.kind === "call-started" && hop.call?.side === "client");
}

/** A call's status as its caller got it, when the call did not end OK: the code is the reason. */
export function callFailure(hop: Pick<MessageHop, "kind" | "call">): string | null {
  if (hop.kind !== "status" || hop.call?.side !== "client") return null;
  const code = hop.call.status?.code ?? "UNKNOWN";
  return code === "OK" ? null : code;
}

export function statusAfter(kind: MessageHopKind, completion: ReadonlySet<MessageHopKind> = COMPLETION_KINDS): MessageStatus | null {
  if (completion.has(kind)) return "completed";
  if (kind === "dropped") return "dropped";
  if (kind === "dead-lettered") return "dead-lettered";
  return null;
}

/** Milliseconds as text with microsecond precision, the way every latency is shown. */
export function formatMs(ms: number): string {
  return `${ms.toFixed(3)} ms`;
}

/** Kinds that tell of a failure whatever they carry. */
const FAILED_KINDS: ReadonlySet<MessageHopKind> = new Set(["timeout", "dropped", "dead-lettered", "nacked"]);

/** Whether a hop tells of a failure: a failing kind, or a gRPC status other than OK. */
export function isFailure(hop: Pick<MessageHop, "kind" | "call">): boolean {
  if (hop.kind === "status") return hop.call?.status?.code !== "OK";
  return FAILED_KINDS.has(hop.kind);
}

/** Kinds whose name reads badly as is; every other kind is shown by its name. */
const HOP_LABELS: Partial<Record<HopKind, string>> = {
  "reply-received": "reply received",
  "call-started": "call started",
  "request-message": "request",
  "response-message": "response",
  "actor-started": "started",
  "actor-killed": "killed",
  "actor-exited": "exited",
  "consumer-restarted": "client restarted",
};

export function hopLabel(kind: HopKind): string {
  return HOP_LABELS[kind] ?? kind;
}

/**
 * A hop as an arrow or a log row names it: its kind, a gRPC status by its code (the audience
 * must read UNAVAILABLE, not "status"), a streamed message by its place, and a retried attempt
 * by its number.
 */
export function hopCaption(hop: Pick<MessageHop, "kind" | "call" | "message" | "read">): string {
  const status = hop.call?.status;
  // A read model's answer says at once whether it showed the latest write.
  if (hop.read) return hop.read.version < hop.read.written ? `STALE v${hop.read.version} < v${hop.read.written}` : `fresh v${hop.read.version}`;
  const base = status ? `status ${status.code}` : hop.call?.index !== undefined ? `${hopLabel(hop.kind)} ${hop.call.index}` : hopLabel(hop.kind);
  return hop.message.attempt > 1 ? `${base} #${hop.message.attempt}` : base;
}

/** Hops by which a consumer gives a delivery back to the broker, one way or another. */
const SETTLED_BY_CONSUMER: ReadonlySet<string> = new Set(["acked", "processed", "nacked", "dead-lettered"]);

/** What a dead consumer had been handed and not settled, as the hops tell it. */
export function unsettledBy(hops: Iterable<Hop>, actorId: string): MessageHop[] {
  // Keyed by message and queue: one message can reach a consumer from several queues.
  const held = new Map<string, MessageHop>();
  for (const hop of hops) {
    if (!isMessageHop(hop)) continue;
    if (hop.to === actorId && DELIVERY_KINDS.has(hop.kind)) held.set(`${hop.message.id}|${hop.from}`, hop);
    else if (hop.from === actorId && SETTLED_BY_CONSUMER.has(hop.kind)) {
      // Settled on its own lane (core NATS has no ack to send): whichever delivery it held.
      const source = hop.to === actorId ? [...held.values()].find((d) => d.message.id === hop.message.id)?.from : hop.to;
      held.delete(`${hop.message.id}|${source}`);
    }
  }
  return [...held.values()];
}

