import type { HopKind } from "../lib/protocol";

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
  "actor-started": "#64748b",
  "actor-killed": "#ef4444",
  "actor-exited": "#94a3b8",
  rebalanced: "#d97706",
  "consumer-restarted": "#ea580c",
};

export const HOP_LABELS: Partial<Record<HopKind, string>> = {
  "reply-received": "reply received",
  "actor-started": "started",
  "actor-killed": "killed",
  "actor-exited": "exited",
  "consumer-restarted": "client restarted",
};

export function hopLabel(kind: HopKind): string {
  return HOP_LABELS[kind] ?? kind;
}
