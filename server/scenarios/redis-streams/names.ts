/** From the seeds: task events, read by two services, each its own consumer group. */
export const STREAM = "tasks:created";
export const DLQ_STREAM = "tasks:created:dlq";
export const GROUPS = ["email-service", "analytics-service"] as const;
export const STREAM_CHANNEL_ID = `redis:${STREAM}`;
export const DLQ_CHANNEL_ID = `redis:${DLQ_STREAM}`;
/** Waits before the 2nd, 3rd and 4th attempt; after the 4th failure the entry is parked. */
export const RETRY_BACKOFF_MS = [100, 400, 900] as const;
export const DEAD_LETTER_REASON = `failed ${RETRY_BACKOFF_MS.length + 1} attempts`;

/** The group a consumer of `role` reads in; a replay consumer gets a fresh group of its own. */
export function groupOf(role: string, actorId: string): { group: string; from: "$" | "0" } {
  return role === "replay" ? { group: `replay-${actorId}`, from: "0" } : { group: role, from: "$" };
}
