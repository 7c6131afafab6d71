/**
 * Brokers side by side: scenarios run at once under the same load and the same kill, and a
 * table computed from what each side's hops say happened to the killed actor's work. Pure, so
 * the server computes the table and a test can check it against the hops.
 */
import { DELIVERY_KINDS, PROCESSED_KINDS, unsettledBy } from "./hops";
import { isMessageHop, type Hop, type MessageHop, type MessageHopKind, type ScenarioState } from "./protocol";

export interface ComparisonSide {
  scenarioId: string;
  /** What the side is called in the table, e.g. "JetStream". */
  label: string;
  /** The role that loses a member when the presenter kills "one on every side". */
  killRole: string;
  /** Applied when the comparison starts, so every side does the same work per message. */
  settings?: Readonly<Record<string, number>>;
  /** What the seeds say the broker does with a dead consumer's messages; the table shows what it did. */
  promise: string;
}

export interface ComparisonInfo {
  id: string;
  title: string;
  summary: string;
  sides: readonly ComparisonSide[];
  /**
   * The killed service comes back when the presenter says so (one click, every side), so the
   * audience can watch what was sent while it was down: the table then counts what each side's
   * returning member missed and what it caught up on.
   */
  comeback?: { label: string; hint: string };
}

const SAME_WORK = { delayMs: 100 } as const;

export const COMPARISONS: readonly ComparisonInfo[] = [
  {
    id: "queue-group-vs-jetstream",
    title: "Queue group vs JetStream",
    summary:
      "The same broker twice: core NATS hands each message to one queue-group member and forgets it (at-most-once); JetStream keeps it until a worker acks (at-least-once). Publish to both, kill a worker on each at the same moment, and compare what became of the work it held.",
    sides: [
      { scenarioId: "nats-queue-group", label: "NATS queue group", killRole: "worker", settings: { delayMs: 250 }, promise: "at-most-once: what the worker held is gone" },
      { scenarioId: "nats-jetstream", label: "JetStream", killRole: "worker", settings: { delayMs: 250 }, promise: "redelivered after the ack wait" },
    ],
  },
  {
    id: "work-queue-four-brokers",
    title: "One work queue, four brokers",
    summary:
      "RabbitMQ, Redis Streams, Kafka and JetStream do the same jobs, 100 ms each. Kill a worker on every side at the same moment: RabbitMQ requeues at once, Redis Streams waits for a colleague to claim after the idle time, Kafka re-reads after a rebalance, JetStream redelivers after the ack wait.",
    sides: [
      { scenarioId: "rabbitmq-work-queue", label: "RabbitMQ", killRole: "worker", settings: SAME_WORK, promise: "requeued at once" },
      { scenarioId: "redis-streams", label: "Redis Streams", killRole: "email-service", settings: SAME_WORK, promise: "claimed after the idle time" },
      { scenarioId: "kafka-consumer-group", label: "Kafka", killRole: "consumer", settings: SAME_WORK, promise: "re-read after a rebalance" },
      { scenarioId: "nats-jetstream", label: "JetStream", killRole: "worker", settings: SAME_WORK, promise: "redelivered after the ack wait" },
    ],
  },
  {
    id: "redis-pubsub-vs-kafka",
    title: "Redis pub/sub vs Kafka",
    summary:
      "The driver app announces driver-status-changed, and ride-service and location-service follow it: on Redis pub/sub, fire and forget; on Kafka, stored in a topic that each service reads in its own consumer group. Kill ride-service on both, publish while it is down, then bring it back: on Redis it missed all of it, as pub/sub allows; on Kafka it catches up from its committed offset.",
    sides: [
      { scenarioId: "redis-driver-status", label: "Redis pub/sub", killRole: "ride-service", promise: "fire and forget: what is sent while it is down is gone" },
      { scenarioId: "kafka-driver-status", label: "Kafka", killRole: "ride-service", promise: "stored: it catches up from its committed offset" },
    ],
    comeback: { label: "Bring ride-service back", hint: "Start ride-service again on every side, as a restarted service would" },
  },
];

export function comparisonById(id: string): ComparisonInfo | undefined {
  return COMPARISONS.find((c) => c.id === id);
}

/** One row of the table: one side, as its hops and its ledger tell it. */
export interface SideSummary {
  scenarioId: string;
  label: string;
  promise: string;
  /** The last member of the kill role killed, and when (epoch ms); null before any kill. */
  victim: string | null;
  killedAt: number | null;
  /** Messages it had been handed and not settled when it died. */
  held: number;
  /** What happened next to each of those, by the first hop that told: requeued, claimed, redelivered, dropped… */
  fates: Record<string, number>;
  /** From the kill until the last held message was back in a live consumer's hands or settled; null while one still waits, or with none held. */
  recoveryMs: number | null;
  /** Held messages nothing has happened to since. */
  waiting: number;
  /** Whether the kill left its role with no live member (a service down, not one worker of many). */
  roleDown: boolean;
  /** When a member of the kill role was back (ready) after the kill; null while it is still down. */
  backAt: number | null;
  /** Messages published while the kill role had no live member. */
  whileDown: number;
  /** Of those: the broker's answer said a copy was missed, and the role never got one (at-most-once, expected). */
  missed: number;
  /** Of those: read by the returning member. */
  caughtUp: number;
  /** From its return until it had worked through the last of them; null until every one is caught up or missed. */
  catchUpMs: number | null;
  published: number;
  completed: number;
  redelivered: number;
  duplicates: number;
  dropped: number;
  lost: number;
  inFlight: number;
}

/** Hops that move a held message on: the broker takes it back, hands it out again, or gives up on it. */
const MOVED_ON: ReadonlySet<MessageHopKind> = new Set(["requeued", "claimed", "redelivered", "delivered", "dropped", "dead-lettered", "acked", "processed"]);

/** The table's row for a side, from its hops (oldest first), its ledger and its actors' roles. */
export function summarizeSide(side: ComparisonSide, hops: readonly Hop[], state: Pick<ScenarioState, "ledger" | "actors">): SideSummary {
  const ledger = state.ledger;
  const kill = [...hops].reverse().find((hop) => hop.kind === "actor-killed" && !isMessageHop(hop) && hop.actor.role === side.killRole);
  const base = {
    scenarioId: side.scenarioId,
    label: side.label,
    promise: side.promise,
    published: ledger.published,
    completed: ledger.completed,
    redelivered: ledger.redelivered,
    duplicates: ledger.duplicates,
    dropped: ledger.dropped,
    lost: ledger.lost,
    inFlight: ledger.inFlight,
  };
  if (!kill || isMessageHop(kill)) return { ...base, victim: null, killedAt: null, held: 0, fates: {}, recoveryMs: null, waiting: 0, ...NEVER_DOWN };
  const victim = kill.actor.id;
  // Another group reading the same entry (Redis Streams, Kafka) is not taking over the victim's work.
  const roles = new Map(state.actors.map((actor) => [actor.id, actor.role]));
  for (const hop of hops) if (!isMessageHop(hop)) roles.set(hop.actor.id, hop.actor.role);
  const colleague = (actorId: string) => (roles.get(actorId) ?? side.killRole) === side.killRole;
  const before = hops.filter((hop) => hop.seq < kill.seq);
  const held = unsettledBy(before, victim);
  const after = hops.filter((hop): hop is MessageHop => isMessageHop(hop) && hop.seq > kill.seq);
  const fates: Record<string, number> = {};
  let latest = kill.at;
  let waiting = 0;
  for (const delivery of held) {
    // The same message on the same queue or group: another group's copy of a stream entry is not this one.
    // A drop is told on the dead consumer's own lane (core NATS forgets it there).
    const sameLine = (hop: MessageHop) => hop.message.id === delivery.message.id && (hop.from === delivery.from || hop.to === delivery.from || (hop.kind === "dropped" && hop.from === victim));
    // Whoever the hop is about (a delivery's receiver, an ack's sender) works in the victim's role.
    const ours = (hop: MessageHop) => colleague(DELIVERY_KINDS.has(hop.kind) ? hop.to : hop.from);
    const next = after.find((hop) => sameLine(hop) && MOVED_ON.has(hop.kind) && movesOn(hop, victim) && ours(hop));
    if (!next) {
      waiting++;
      continue;
    }
    fates[next.kind] = (fates[next.kind] ?? 0) + 1;
    // A requeue is the broker taking it back: recovered once a live consumer has it again.
    const inHand = next.kind === "requeued" ? (after.find((hop) => sameLine(hop) && DELIVERY_KINDS.has(hop.kind) && hop.to !== victim && colleague(hop.to)) ?? null) : next;
    if (!inHand) waiting++;
    else latest = Math.max(latest, inHand.at);
  }
  return { ...base, victim, killedAt: kill.at, held: held.length, fates, recoveryMs: held.length > 0 && waiting === 0 ? latest - kill.at : null, waiting, ...whileRoleDown(side, hops, kill, state.actors) };
}

const NEVER_DOWN = { roleDown: false, backAt: null, whileDown: 0, missed: 0, caughtUp: 0, catchUpMs: null } as const;

type DownFigures = Pick<SideSummary, "roleDown" | "backAt" | "whileDown" | "missed" | "caughtUp" | "catchUpMs">;

/**
 * When the kill took the role's last live member: what was published until one was back, and
 * what became of it for the role. Missed is what the broker said it could not hand to someone
 * down and the role never got; caught up is what the returning member read.
 */
function whileRoleDown(side: ComparisonSide, hops: readonly Hop[], kill: Hop, actors: ScenarioState["actors"]): DownFigures {
  const startedAfter = new Map<string, Hop>();
  for (const hop of hops) if (hop.seq > kill.seq && hop.kind === "actor-started" && !isMessageHop(hop) && hop.actor.role === side.killRole && !startedAfter.has(hop.actor.id)) startedAfter.set(hop.actor.id, hop);
  // A member alive now that did not start after the kill was alive through it.
  if (actors.some((actor) => actor.alive && actor.role === side.killRole && !startedAfter.has(actor.id))) return NEVER_DOWN;
  const back = [...startedAfter.values()][0] ?? null;
  const sent = hops.filter((hop): hop is MessageHop => isMessageHop(hop) && hop.kind === "published" && hop.seq > kill.seq && (back === null || hop.seq < back.seq));
  const ids = new Set(sent.map((hop) => hop.message.id));
  const reached = new Set<string>();
  const missedAnswer = new Set<string>();
  let lastWork: number | null = null;
  for (const hop of hops) {
    if (!isMessageHop(hop) || hop.seq <= kill.seq || !ids.has(hop.message.id)) continue;
    if (hop.kind === "confirmed" && (hop.missed ?? 0) > 0) missedAnswer.add(hop.message.id);
    // The returning member's delivery of it, then its work on it.
    if (DELIVERY_KINDS.has(hop.kind) && startedAfter.has(hop.to)) reached.add(hop.message.id);
    if ((DELIVERY_KINDS.has(hop.kind) && startedAfter.has(hop.to)) || (PROCESSED_KINDS.has(hop.kind) && startedAfter.has(hop.from))) lastWork = Math.max(lastWork ?? hop.at, hop.at);
  }
  const missed = [...missedAnswer].filter((id) => !reached.has(id)).length;
  const caughtUp = reached.size;
  const settled = back !== null && missed + caughtUp === ids.size;
  return {
    roleDown: true,
    backAt: back?.at ?? null,
    whileDown: ids.size,
    missed,
    caughtUp,
    catchUpMs: settled && caughtUp > 0 && lastWork !== null && back ? lastWork - back.at : null,
  };
}

/** A delivery back to the dead consumer moves nothing on; its ack, reported for it after its death, does. */
function movesOn(hop: MessageHop, victim: string): boolean {
  return !DELIVERY_KINDS.has(hop.kind) || hop.to !== victim;
}

/** `GET /api/comparisons/:id`: each side's state and its row of the table. */
export interface ComparisonSideView {
  state: ScenarioState;
  summary: SideSummary;
}

export interface ComparisonView {
  info: ComparisonInfo;
  sides: ComparisonSideView[];
  /** The newest hop's seq on any side (seqs are the server's, shared by every scenario): a recording started now holds the hops after it. */
  lastSeq: number;
  /** Hops held on every side together, to count what a recording holds. */
  totalHops: number;
}
