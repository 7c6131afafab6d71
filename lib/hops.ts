import type { MessageHopKind } from "./protocol";

/** What each hop kind means for a message's life; the ledger and traces share these. */
export const DELIVERY_KINDS: ReadonlySet<MessageHopKind> = new Set(["delivered", "redelivered", "claimed"]);
/** A consumer finished its work on the message; more than one per message is a duplicate. */
export const PROCESSED_KINDS: ReadonlySet<MessageHopKind> = new Set(["replied", "acked", "processed"]);
export const COMPLETION_KINDS: ReadonlySet<MessageHopKind> = new Set(["reply-received", "acked"]);

export type MessageStatus = "in-flight" | "completed" | "dropped" | "dead-lettered";

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
