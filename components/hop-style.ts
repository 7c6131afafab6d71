import { isMessageHop, type Hop, type HopKind } from "../lib/protocol";
import { isFailure } from "../lib/hops";

export { hopCaption, hopLabel } from "../lib/hops";

/** One colour per hop kind, shared by dots, arrows and log badges. */
export const HOP_COLORS: Record<HopKind, string> = {
  published: "#0ea5e9",
  confirmed: "#06b6d4",
  routed: "#3b82f6",
  delivered: "#6366f1",
  redelivered: "#a855f7",
  acked: "#10b981",
  nacked: "#f97316",
  requeued: "#eab308",
  replied: "#14b8a6",
  "reply-received": "#22c55e",
  timeout: "#f59e0b",
  retry: "#fb923c",
  dropped: "#f43f5e",
  "dead-lettered": "#e11d48",
  claimed: "#8b5cf6",
  processed: "#059669",
  committed: "#0d9488",
  "call-started": "#0ea5e9",
  "request-message": "#6366f1",
  "response-message": "#14b8a6",
  status: "#22c55e",
  "actor-started": "#64748b",
  "actor-killed": "#ef4444",
  "actor-exited": "#94a3b8",
  rebalanced: "#d97706",
  "consumer-restarted": "#ea580c",
};

/** A read model's answer that missed the latest write: amber, like a timeout, so it stands out. */
export const STALE_COLOR = HOP_COLORS.timeout;

/** A hop's colour: a gRPC status that is not OK takes the colour of a failure, a stale answer amber. */
export function hopColor(hop: Hop): string {
  if (isMessageHop(hop) && hop.read && hop.read.version < hop.read.written) return STALE_COLOR;
  return isMessageHop(hop) && hop.kind === "status" && isFailure(hop) ? HOP_COLORS.dropped : HOP_COLORS[hop.kind];
}
