/**
 * The broker's view against the actors' reports: which messages both saw published, which only
 * the actors reported (the broker never had them, or the tap cannot see them), and which only
 * the broker saw (something published that no actor reported). Messages are compared by their
 * id, which every scenario puts in the message itself.
 */
import { z } from "zod";
import type { MessageHopDraft, TransportId } from "./protocol";

/** A hop as either side has it: an actor's (stamped by the server) or the tap's (a draft). */
type Seen = Pick<MessageHopDraft, "kind" | "message">;

/** Ids listed per side at most: the counts say the rest. */
export const CROSS_CHECK_SAMPLE = 50;

export interface CrossCheck {
  /** Messages the actors reported published and the broker's tap saw. */
  both: number;
  actorsOnly: { count: number; ids: string[] };
  brokerOnly: { count: number; ids: string[] };
  /**
   * Where the broker's tap hears settles (JetStream): each ack, nak or give-up the actors reported
   * against those the stream heard, by stream sequence and delivery; null where it cannot.
   */
  settles?: SettleCheck | null;
  /** Both saw something, and neither saw anything the other did not. */
  confirmed: boolean;
}

export interface SettleCheck {
  both: number;
  actorsOnly: { count: number; ids: string[] };
  brokerOnly: { count: number; ids: string[] };
}

/** What settles a delivery, as the JetStream tap hears it. */
const SETTLES = new Set(["acked", "nacked", "dead-lettered"]);

/**
 * A settle is one kind, of one stored message (its stream sequence, the hop's `offset`), on one
 * delivery: the ids may differ (a work-queue stream lets go of an acked message before the tap
 * can read its id), the sequence does not.
 */
export function crossCheckSettles(reported: readonly Seen[], seen: readonly Seen[]): SettleCheck {
  const keyed = (hops: readonly Seen[]) => {
    const byKey = new Map<string, string>();
    for (const h of hops) if (SETTLES.has(h.kind) && h.message.offset !== undefined) byKey.set(`${h.kind} ${h.message.offset} ${h.message.attempt}`, h.message.id);
    return byKey;
  };
  const mine = keyed(reported);
  const theirs = keyed(seen);
  const actorsOnly = [...mine].filter(([key]) => !theirs.has(key)).map(([, id]) => id);
  const brokerOnly = [...theirs].filter(([key]) => !mine.has(key)).map(([, id]) => id);
  return {
    both: mine.size - actorsOnly.length,
    actorsOnly: { count: actorsOnly.length, ids: actorsOnly.slice(0, CROSS_CHECK_SAMPLE) },
    brokerOnly: { count: brokerOnly.length, ids: brokerOnly.slice(0, CROSS_CHECK_SAMPLE) },
  };
}

const PUBLISHES = new Set(["published", "retry"]);

/**
 * `reported`: the actors' hops since the tap started, of the destinations it can see; `seen`:
 * the tap's. `alsoReported`: ids the actors reported before that, so a message published just
 * before the tap started, and seen by it just after, is not the broker's alone. A retry is the
 * same message published again: it is one message on each side.
 */
export function crossCheck(reported: readonly Seen[], seen: readonly Seen[], alsoReported: ReadonlySet<string> = new Set()): CrossCheck {
  const reportedIds = new Set(reported.filter((h) => PUBLISHES.has(h.kind)).map((h) => h.message.id));
  const seenIds = new Set(seen.filter((h) => h.kind === "published").map((h) => h.message.id));
  const actorsOnly = [...reportedIds].filter((id) => !seenIds.has(id));
  const brokerOnly = [...seenIds].filter((id) => !reportedIds.has(id) && !alsoReported.has(id));
  const both = reportedIds.size - actorsOnly.length;
  return {
    both,
    actorsOnly: { count: actorsOnly.length, ids: actorsOnly.slice(0, CROSS_CHECK_SAMPLE) },
    brokerOnly: { count: brokerOnly.length, ids: brokerOnly.slice(0, CROSS_CHECK_SAMPLE) },
    confirmed: both > 0 && actorsOnly.length === 0 && brokerOnly.length === 0,
  };
}

const sampleSchema = z.object({ count: z.number().int().nonnegative(), ids: z.array(z.string()) });

const settleCheckSchema = z.object({ both: z.number().int().nonnegative(), actorsOnly: sampleSchema, brokerOnly: sampleSchema });

export const crossCheckSchema = z.object({ both: z.number().int().nonnegative(), actorsOnly: sampleSchema, brokerOnly: sampleSchema, settles: settleCheckSchema.nullable().optional(), confirmed: z.boolean() });

/** What Redis holds pending for one group of a stream: read by its consumers, not yet XACKed. */
export const streamPendingSchema = z.object({
  stream: z.string(),
  group: z.string(),
  pending: z.number().int().nonnegative(),
  byConsumer: z.array(z.object({ consumer: z.string(), pending: z.number().int().nonnegative() })),
});
export type StreamPending = z.infer<typeof streamPendingSchema>;

/** How far one consumer group's commits are behind a topic's end, as Kafka's coordinator holds them. */
export const groupLagSchema = z.object({ topic: z.string(), group: z.string(), end: z.number().int().nonnegative(), lag: z.number().int().nonnegative() });
export type GroupLag = z.infer<typeof groupLagSchema>;

/** `GET /api/scenarios/:id/crosscheck`'s answer: whether the broker witnesses the scenario, since when, and what it found. */
export const witnessViewSchema = z.object({ on: z.boolean(), since: z.number().nullable(), result: crossCheckSchema.nullable(), pending: z.array(streamPendingSchema).optional(), lag: z.array(groupLagSchema).optional() });
export type WitnessView = z.infer<typeof witnessViewSchema>;

/** The brokers a witness can tap, and in plain words what its tap sees of a scenario's messages and what it cannot. */
export const WITNESS_REACH = {
  nats: { sees: "every publish on the scenario's subjects, and a JetStream stream's acks, naks and give-ups", misses: "who published it, which queue-group member got it" },
  redis: { sees: "every pub/sub message on the scenario's channels, and what each stream group holds pending", misses: "who published it, how many subscribers got it, a stream's entries one by one" },
  kafka: { sees: "every record appended to the scenario's topics, and each group's committed offsets", misses: "who produced it, reads not committed yet" },
} as const satisfies Partial<Record<TransportId, { sees: string; misses: string }>>;

export type WitnessedBroker = keyof typeof WITNESS_REACH;

/** Of a scenario's brokers, those a witness taps: the others' messages are compared on neither side. */
export function witnessedBrokers(brokers: readonly TransportId[]): { witnessed: WitnessedBroker[]; unwitnessed: TransportId[] } {
  const tappable = (b: TransportId): b is WitnessedBroker => b in WITNESS_REACH;
  return { witnessed: brokers.filter(tappable), unwitnessed: brokers.filter((b) => !tappable(b)) };
}

/** The cross-check in one sentence, as the broker's view and the ledger say it. */
export function crossCheckVerdict(result: CrossCheck): string {
  const settles = result.settles ? ` and all ${result.settles.both} settle${result.settles.both === 1 ? "" : "s"}` : "";
  if (result.confirmed) return `Confirmed by the broker: it saw all ${result.both} message${result.both === 1 ? "" : "s"} the actors reported published${settles}, and nothing else.`;
  const parts = [
    result.brokerOnly.count > 0 ? `the broker saw ${result.brokerOnly.count} publish${result.brokerOnly.count === 1 ? "" : "es"} no actor reported` : "",
    result.actorsOnly.count > 0 ? `the actors reported ${result.actorsOnly.count} the broker never saw` : "",
    result.settles && result.settles.brokerOnly.count > 0 ? `the stream heard ${result.settles.brokerOnly.count} settle${result.settles.brokerOnly.count === 1 ? "" : "s"} no actor reported` : "",
    result.settles && result.settles.actorsOnly.count > 0 ? `the actors reported ${result.settles.actorsOnly.count} settle${result.settles.actorsOnly.count === 1 ? "" : "s"} the stream never heard` : "",
  ].filter(Boolean);
  if (parts.length === 0) return "The broker is watching: nothing its taps can see was published since the cross-check started.";
  return `The broker disagrees: ${parts.join(", and ")}.`;
}
