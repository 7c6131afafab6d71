/**
 * The broker's view against the actors' reports: which messages both saw published, which only
 * the actors reported (the broker never had them, or the tap cannot see them), and which only
 * the broker saw (something published that no actor reported). Messages are compared by their
 * id, which every scenario puts in the message itself.
 */
import { z } from "zod";
import type { MessageHopDraft, ScenarioInfo, TransportId } from "./protocol";

/** A hop as either side has it: an actor's (stamped by the server) or the tap's (a draft). */
type Seen = Pick<MessageHopDraft, "kind" | "message" | "at">;

/** Ids listed per side at most: the counts say the rest. */
export const CROSS_CHECK_SAMPLE = 50;

const sideSchema = z.object({ count: z.number().int().nonnegative(), ids: z.array(z.string()) });

export const crossCheckSchema = z.object({
  /** Messages the actors reported published and the broker's tap saw. */
  both: z.number().int().nonnegative(),
  actorsOnly: sideSchema,
  brokerOnly: sideSchema,
  /** Both saw something, and neither saw anything the other did not. */
  confirmed: z.boolean(),
});
export type CrossCheck = z.infer<typeof crossCheckSchema>;

/** `GET /api/scenarios/:id/crosscheck`: whether the broker is being asked, since when (epoch ms), and its answer. */
export const witnessViewSchema = z.object({ on: z.boolean(), since: z.number().nullable(), result: crossCheckSchema.nullable() });
export type WitnessView = z.infer<typeof witnessViewSchema>;

/**
 * The brokers whose view of this scenario the witness compares: any NATS subject or Kafka topic,
 * and Redis pub/sub channels (not its streams). None: the broker cannot be asked here.
 */
export function witnessedBrokers(info: Pick<ScenarioInfo, "brokers" | "channels">): TransportId[] {
  const pubsub = info.channels.some((c) => c.kind === "channel");
  return info.brokers.filter((b) => b === "nats" || b === "kafka" || (b === "redis" && pubsub));
}

/** What the scenario moves that no tap sees, in words; empty when the taps see all of it. */
export function unwitnessedParts(info: Pick<ScenarioInfo, "brokers" | "channels">): string[] {
  const parts: string[] = [];
  if (info.brokers.includes("rabbitmq")) parts.push("RabbitMQ queues");
  if (info.brokers.includes("redis") && info.channels.some((c) => c.kind === "stream")) parts.push("Redis streams");
  if (info.brokers.includes("grpc")) parts.push("gRPC calls");
  return parts;
}

const PUBLISHES = new Set(["published", "retry"]);

/**
 * How long a message seen on one side only is taken to be on its way to the other: the actor's
 * report crosses a process boundary, the tap's copy a network hop. Younger, it is counted nowhere
 * yet, so a burst does not flash a disagreement that settles a moment later.
 */
export const CROSS_CHECK_SETTLE_MS = 500;

/**
 * `reported`: the actors' hops since the tap started, of the destinations it can see; `seen`:
 * the tap's. `alsoReported`: ids the actors reported before that, so a message published just
 * before the tap started, and seen by it just after, is not the broker's alone. A retry is the
 * same message published again: it is one message on each side. `now` (epoch ms) leaves out a
 * message one side has had for less than CROSS_CHECK_SETTLE_MS.
 */
export function crossCheck(reported: readonly Seen[], seen: readonly Seen[], alsoReported: ReadonlySet<string> = new Set(), now = Number.POSITIVE_INFINITY): CrossCheck {
  const firstAt = (hops: readonly Seen[]) => {
    const at = new Map<string, number>();
    for (const h of hops) if (!at.has(h.message.id)) at.set(h.message.id, h.at);
    return at;
  };
  const reportedAt = firstAt(reported.filter((h) => PUBLISHES.has(h.kind)));
  const seenAt = firstAt(seen.filter((h) => h.kind === "published"));
  const settled = (at: number | undefined) => at !== undefined && now - at >= CROSS_CHECK_SETTLE_MS;
  const actorsOnly = [...reportedAt.keys()].filter((id) => !seenAt.has(id) && settled(reportedAt.get(id)));
  const brokerOnly = [...seenAt.keys()].filter((id) => !reportedAt.has(id) && !alsoReported.has(id) && settled(seenAt.get(id)));
  const both = [...reportedAt.keys()].filter((id) => seenAt.has(id)).length;
  return {
    both,
    actorsOnly: { count: actorsOnly.length, ids: actorsOnly.slice(0, CROSS_CHECK_SAMPLE) },
    brokerOnly: { count: brokerOnly.length, ids: brokerOnly.slice(0, CROSS_CHECK_SAMPLE) },
    confirmed: both > 0 && actorsOnly.length === 0 && brokerOnly.length === 0,
  };
}

/** The cross-check in one sentence, for the ledger: agreement, or the disagreement plainly. */
export function crossCheckVerdict(result: CrossCheck): { agrees: boolean; text: string } {
  const { both, actorsOnly, brokerOnly } = result;
  if (actorsOnly.count > 0 || brokerOnly.count > 0) return { agrees: false, text: `The broker disagrees: ${actorsOnly.count} only the actors reported, ${brokerOnly.count} only the broker saw` };
  if (both === 0) return { agrees: true, text: "Cross-checking with the broker: nothing published since it began" };
  return { agrees: true, text: `Confirmed by the broker: ${both} of ${both} published` };
}
