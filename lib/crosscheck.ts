/**
 * The broker's view against the actors' reports: which messages both saw published, which only
 * the actors reported (the broker never had them, or the tap cannot see them), and which only
 * the broker saw (something published that no actor reported). Messages are compared by their
 * id, which every scenario puts in the message itself.
 */
import { z } from "zod";
import type { MessageHopDraft, ScenarioInfo, TransportId } from "./protocol";
import { queueCountersSchema } from "./rabbitmq-firehose";

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
  /**
   * Where the broker's tap hears settles (JetStream): each ack, nak or give-up the actors reported
   * against those the stream heard, by stream sequence and delivery; absent where it cannot.
   */
  settles: z.object({ both: z.number().int().nonnegative(), actorsOnly: sideSchema, brokerOnly: sideSchema }).nullable().optional(),
  /**
   * Where NATS traces messages (2.11 and newer): who got each traced message, as the actors
   * reported it and as the server's trace says, by message, attempt and receiving connection.
   */
  deliveries: z.object({ both: z.number().int().nonnegative(), actorsOnly: sideSchema, brokerOnly: sideSchema }).nullable().optional(),
  /** Both saw something, and neither saw anything the other did not. */
  confirmed: z.boolean(),
});
export type CrossCheck = z.infer<typeof crossCheckSchema>;

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

/**
 * `GET /api/scenarios/:id/crosscheck`: whether the broker is being asked, since when (epoch ms),
 * its answer, and where the scenario has them, what Redis holds pending, each Kafka group's lag
 * and each RabbitMQ queue's counters (the firehose carries no acks: these are the broker's count).
 */
export const witnessViewSchema = z.object({
  on: z.boolean(),
  since: z.number().nullable(),
  result: crossCheckSchema.nullable(),
  pending: z.array(streamPendingSchema).optional(),
  lag: z.array(groupLagSchema).optional(),
  queues: z.array(queueCountersSchema).optional(),
  /** Where the scenario speaks NATS: whether the server traces its messages, and if not, why. */
  natsTracing: z.object({ on: z.boolean(), note: z.string() }).optional(),
});
export type WitnessView = z.infer<typeof witnessViewSchema>;

const RABBITMQ_CHANNEL = "rabbitmq:";

/**
 * The RabbitMQ queues (by their seed names) whose publishes the witness holds against the
 * actors' reports: the scenario's named queues, where its actors publish straight to them. A
 * reply queue is the broker's own exclusive one, with no name to tap; a scenario that publishes
 * to exchanges reports its publishes there, which the firehose cannot match to one queue.
 */
export function witnessedRabbitmqQueues(info: Pick<ScenarioInfo, "brokers" | "channels">): string[] {
  if (!info.brokers.includes("rabbitmq")) return [];
  const ours = info.channels.filter((c) => c.id.startsWith(RABBITMQ_CHANNEL));
  if (ours.some((c) => c.kind.endsWith("exchange"))) return [];
  return ours.filter((c) => c.kind.endsWith("queue") && c.kind !== "reply queue").map((c) => c.id.slice(RABBITMQ_CHANNEL.length));
}

/**
 * The brokers whose view of this scenario the witness compares: any NATS subject or Kafka topic,
 * Redis pub/sub channels (not its streams) and RabbitMQ queues published to by name. None: the
 * broker cannot be asked here.
 */
export function witnessedBrokers(info: Pick<ScenarioInfo, "brokers" | "channels">): TransportId[] {
  const pubsub = info.channels.some((c) => c.kind === "channel");
  const queues = witnessedRabbitmqQueues(info).length > 0;
  return info.brokers.filter((b) => b === "nats" || b === "kafka" || (b === "redis" && pubsub) || (b === "rabbitmq" && queues));
}

/** What the scenario moves that no tap sees, in words; empty when the taps see all of it. */
export function unwitnessedParts(info: Pick<ScenarioInfo, "brokers" | "channels">): string[] {
  const parts: string[] = [];
  if (info.brokers.includes("rabbitmq") && witnessedRabbitmqQueues(info).length === 0) {
    parts.push(info.channels.some((c) => c.id.startsWith(RABBITMQ_CHANNEL) && c.kind.endsWith("exchange")) ? "RabbitMQ exchanges" : "RabbitMQ queues");
  }
  if (info.brokers.includes("redis") && info.channels.some((c) => c.kind === "stream")) parts.push("Redis streams");
  if (info.brokers.includes("grpc")) parts.push("gRPC calls");
  return parts;
}

export type SettleCheck = NonNullable<CrossCheck["settles"]>;

/** What settles a delivery, as the JetStream tap hears it. */
const SETTLES = new Set(["acked", "nacked", "dead-lettered"]);

/** Each side's facts by key (what to list them as): those on both sides, and those on one only. */
function compareKeyed(mine: ReadonlyMap<string, string>, theirs: ReadonlyMap<string, string>): SettleCheck {
  const actorsOnly = [...mine].filter(([key]) => !theirs.has(key)).map(([, shown]) => shown);
  const brokerOnly = [...theirs].filter(([key]) => !mine.has(key)).map(([, shown]) => shown);
  return {
    both: mine.size - actorsOnly.length,
    actorsOnly: { count: actorsOnly.length, ids: actorsOnly.slice(0, CROSS_CHECK_SAMPLE) },
    brokerOnly: { count: brokerOnly.length, ids: brokerOnly.slice(0, CROSS_CHECK_SAMPLE) },
  };
}

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
  return compareKeyed(keyed(reported), keyed(seen));
}

/** A `to` of a delivery hop: a receiving actor, as the trace names its connection. */
type Delivery = Seen & Pick<MessageHopDraft, "to">;

const DELIVERIES = new Set(["delivered", "redelivered"]);

/**
 * Who got each message, as the actors say and as NATS's trace says: one key per message, attempt
 * and receiver. Only messages the trace saw count (one published before tracing began, or to a
 * JetStream stream, whose deliveries are the stream's and untraced, has no trace to hold against);
 * and as in `crossCheck`, a delivery younger than CROSS_CHECK_SETTLE_MS on either side waits.
 */
export function crossCheckDeliveries(reported: readonly Delivery[], traced: readonly Delivery[], now = Number.POSITIVE_INFINITY): SettleCheck {
  const settled = (h: Delivery) => now - h.at >= CROSS_CHECK_SETTLE_MS;
  const tracedIds = new Set(traced.map((h) => h.message.id));
  const keyed = (hops: readonly Delivery[]) => {
    const byKey = new Map<string, string>();
    for (const h of hops) if (DELIVERIES.has(h.kind) && tracedIds.has(h.message.id) && settled(h)) byKey.set(`${h.message.id} ${h.message.attempt} ${h.to}`, `${h.message.id} → ${h.to}`);
    return byKey;
  };
  return compareKeyed(keyed(reported.filter((h) => h.message.offset === undefined)), keyed(traced));
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
  const { both, actorsOnly, brokerOnly, settles, deliveries } = result;
  const disagreement = (check: SettleCheck | null | undefined, what: string, theirs: string) =>
    check && (check.actorsOnly.count > 0 || check.brokerOnly.count > 0) ? `${what}: ${check.actorsOnly.count} only the actors reported, ${check.brokerOnly.count} ${theirs}` : null;
  const more = [disagreement(settles, "settles", "only the stream heard"), disagreement(deliveries, "deliveries", "only the broker's trace shows")].filter((part) => part !== null);
  if (actorsOnly.count > 0 || brokerOnly.count > 0 || more.length > 0) {
    const parts = [`${actorsOnly.count} only the actors reported, ${brokerOnly.count} only the broker saw`, ...more];
    return { agrees: false, text: `The broker disagrees: ${parts.join("; ")}` };
  }
  if (both === 0) return { agrees: true, text: "Cross-checking with the broker: nothing published since it began" };
  const counted = (n: number, one: string, many: string) => ` and ${n} ${n === 1 ? one : many}`;
  const settled = settles ? counted(settles.both, "settle", "settles") : "";
  const delivered = deliveries ? counted(deliveries.both, "delivery", "deliveries") : "";
  return { agrees: true, text: `Confirmed by the broker: ${both} of ${both} published${settled}${delivered}` };
}
