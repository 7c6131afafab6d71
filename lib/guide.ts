/**
 * "When to use what": one decision tree and one comparison table built from the two seed guides'
 * facts, the seeds' speed claims as numbers, and a verdict that holds each claim against what was
 * measured on this machine. Pure, so the page renders it and a test can walk every branch.
 */
import type { MeasureId, MeasureResult } from "./measurements";

// ---------------------------------------------------------------------------------------------
// The decision tree
// ---------------------------------------------------------------------------------------------

export interface GuideAnswer {
  label: string;
  /** The id of the question or leaf this answer leads to. */
  next: string;
}

export interface GuideQuestion {
  kind: "question";
  id: string;
  text: string;
  /** What the question means in practice, for someone unsure how to answer. */
  hint: string;
  answers: readonly GuideAnswer[];
}

export interface GuideLeaf {
  kind: "leaf";
  id: string;
  recommendation: string;
  why: string;
  /** The scenario that shows this recommendation at work. */
  scenarioId: string;
  /** A side-by-side run where this choice is held against another, where one exists. */
  comparisonId?: string;
  /** Stories that use the same choice as one part of a bigger flow. */
  seeAlso?: readonly string[];
}

export type GuideNode = GuideQuestion | GuideLeaf;

export const GUIDE_ROOT = "needs-answer";

/** A question and its answers as [label, next node] pairs. */
function ask(id: string, text: string, hint: string, answers: readonly (readonly [string, string])[]): GuideQuestion {
  return { kind: "question", id, text, hint, answers: answers.map(([label, next]) => ({ label, next })) };
}

// Flat and keyed by id rather than nested, so a test can prove every answer lands somewhere and
// every node is reachable, and the page can walk a path of answer indices.
const NODES: readonly GuideNode[] = [
  ask("needs-answer", "Does the caller need an answer before it can go on?", "A payment check, a token check, a stock lookup: nothing happens until the reply is back.", [
    ["Yes, it waits for a reply", "call-style"],
    ["No, it hands the message off", "needs-replay"],
  ]),
  ask("call-style", "What kind of call is it?", "A quick hop between your own services, a typed API other teams and languages build against, or a reply that may wait in a queue.", [
    ["A quick call between our own services", "nats-rpc"],
    ["A typed contract, many languages, or streaming", "grpc"],
    ["Work that can queue while the service is busy", "rabbitmq-rpc"],
  ]),
  ask("needs-replay", "Must consumers be able to read past messages again?", "A new service reading the history, a fixed bug reprocessing last week, event sourcing, an audit log.", [
    ["Yes, keep a history to replay", "kafka-replay"],
    ["No, once handled it is done", "who-gets-it"],
  ]),
  ask("who-gets-it", "Who should get each message?", "An event many services react to, or a job that exactly one worker should do.", [
    ["Every interested service (broadcast)", "may-miss"],
    ["One worker per message (a job)", "must-not-lose"],
  ]),
  ask("may-miss", "May a service that is down miss what was sent meanwhile?", "A cache invalidation or a live price can be missed; a status change another service relies on cannot.", [
    ["Yes, fire and forget is fine", "have-redis-broadcast"],
    ["No, it must catch up when it is back", "kafka-fan-out"],
  ]),
  ask("have-redis-broadcast", "Do you already run Redis?", "One fewer thing to operate is often the deciding argument for a broadcast.", [
    ["Yes, Redis is already there", "redis-pubsub"],
    ["No Redis here", "nats-pubsub"],
  ]),
  ask("must-not-lose", "Must the job survive a worker that crashes halfway?", "An email, a charge or a report that must happen, against work the next message makes stale anyway.", [
    ["Yes, it must not be lost", "needs-routing"],
    ["No, losing one now and then is fine", "nats-queue-group"],
  ]),
  ask("needs-routing", "Do jobs go to different queues by key, pattern or header?", "orders.eu.created to one team, *.failed to another, everything to an audit queue.", [
    ["Yes, routing rules decide", "rabbitmq-exchanges"],
    ["No, one queue of jobs", "what-you-run"],
  ]),
  ask("what-you-run", "What do you already run?", "The broker already in production is usually good enough for a plain work queue.", [
    ["We run Redis", "redis-streams"],
    ["We run NATS", "jetstream"],
    ["Neither of them", "how-much"],
  ]),
  ask("how-much", "How many messages a second do you expect at peak?", "The seeds put RabbitMQ at 10k–50k msg/s; beyond that a partitioned log scales out.", [
    ["Up to tens of thousands", "rabbitmq-work-queue"],
    ["Far more, or it must scale out", "kafka-work"],
  ]),
  {
    kind: "leaf",
    id: "nats-rpc",
    recommendation: "NATS request/reply",
    why: "A call over a subject with a timeout, in a few milliseconds; nothing is stored, so with no responder the caller hears so at once.",
    scenarioId: "nats-request-reply",
    seeAlso: ["order-placement", "bank-transfer"],
  },
  {
    kind: "leaf",
    id: "grpc",
    recommendation: "gRPC",
    why: "HTTP/2 and Protocol Buffers: a contract-first, typed API with streaming, callable from any language, and no broker in between.",
    scenarioId: "grpc-inventory",
    seeAlso: ["hybrid-api"],
  },
  {
    kind: "leaf",
    id: "rabbitmq-rpc",
    recommendation: "RabbitMQ RPC (reply-to queue)",
    why: "The request waits in a queue until a server is free and the reply comes back on its own queue; slower than a direct call, but nothing is turned away.",
    scenarioId: "rabbitmq-rpc",
  },
  {
    kind: "leaf",
    id: "kafka-replay",
    recommendation: "Kafka",
    why: "A partitioned log kept for days or forever: any consumer group can start again from an old offset, which is what event sourcing and audit need.",
    scenarioId: "kafka-consumer-group",
    comparisonId: "redis-pubsub-vs-kafka",
    seeAlso: ["cqrs-projection"],
  },
  {
    kind: "leaf",
    id: "kafka-fan-out",
    recommendation: "Kafka, one consumer group per service",
    why: "Every service reads the same topic in its own group and commits its offset, so one that was down picks up where it stopped.",
    scenarioId: "kafka-driver-status",
    comparisonId: "redis-pubsub-vs-kafka",
  },
  {
    kind: "leaf",
    id: "redis-pubsub",
    recommendation: "Redis pub/sub",
    why: "Every current subscriber gets the event in well under a millisecond; one that is not listening simply never hears it.",
    scenarioId: "redis-pubsub",
    comparisonId: "redis-pubsub-vs-kafka",
    seeAlso: ["redis-driver-status", "social-post"],
  },
  {
    kind: "leaf",
    id: "nats-pubsub",
    recommendation: "NATS pub/sub",
    why: "Core NATS delivers a subject to every subscriber, fast and at most once; wildcards let each service pick the events it cares about.",
    scenarioId: "nats-pubsub",
  },
  {
    kind: "leaf",
    id: "nats-queue-group",
    recommendation: "NATS queue group",
    why: "Workers share a subject and each message goes to one of them; a worker that dies takes its message with it, which is the price of the speed.",
    scenarioId: "nats-queue-group",
    comparisonId: "queue-group-vs-jetstream",
  },
  {
    kind: "leaf",
    id: "rabbitmq-exchanges",
    recommendation: "RabbitMQ exchanges",
    why: "Direct, topic, fanout and headers exchanges route each message to the queues whose bindings match, and every queue keeps its jobs until acked.",
    scenarioId: "rabbitmq-exchanges",
  },
  {
    kind: "leaf",
    id: "redis-streams",
    recommendation: "Redis Streams",
    why: "An append-only log with consumer groups in the Redis you already run; a dead worker's entries stay pending until a colleague claims them.",
    scenarioId: "redis-streams",
    comparisonId: "work-queue-four-brokers",
  },
  {
    kind: "leaf",
    id: "jetstream",
    recommendation: "NATS JetStream",
    why: "The NATS you run, with a stream that keeps each job until a worker acks it and redelivers it after the ack wait if none does.",
    scenarioId: "nats-jetstream",
    comparisonId: "queue-group-vs-jetstream",
  },
  {
    kind: "leaf",
    id: "rabbitmq-work-queue",
    recommendation: "RabbitMQ work queue",
    why: "The simpler choice: durable queues, acks and prefetch, and a dead worker's unacked jobs go back to the queue at once.",
    scenarioId: "rabbitmq-work-queue",
    comparisonId: "work-queue-four-brokers",
    seeAlso: ["order-placement"],
  },
  {
    kind: "leaf",
    id: "kafka-work",
    recommendation: "Kafka consumer group",
    why: "The scalable choice: partitions spread the load across a group, and a crashed consumer's partitions move to the others after a rebalance.",
    scenarioId: "kafka-consumer-group",
    comparisonId: "work-queue-four-brokers",
  },
];

export const GUIDE_NODES: ReadonlyMap<string, GuideNode> = new Map(NODES.map((node) => [node.id, node]));

export function guideNode(id: string): GuideNode {
  const node = GUIDE_NODES.get(id);
  if (!node) throw new Error(`No guide node ${id}`);
  return node;
}

export const GUIDE_LEAVES: readonly GuideLeaf[] = NODES.filter((node): node is GuideLeaf => node.kind === "leaf");

export interface GuideStep {
  question: GuideQuestion;
  answer: GuideAnswer;
  /** The answer's position, so the page can go back to this step. */
  index: number;
}

/**
 * Where a list of chosen answers (their positions) leads from the root, and the steps taken. An
 * answer that does not exist ends the walk where it is, so a stale path never throws.
 */
export function walkGuide(answers: readonly number[]): { steps: GuideStep[]; node: GuideNode } {
  const steps: GuideStep[] = [];
  let node = guideNode(GUIDE_ROOT);
  for (const index of answers) {
    if (node.kind !== "question") break;
    const answer = node.answers[index];
    if (!answer) break;
    steps.push({ question: node, answer, index });
    node = guideNode(answer.next);
  }
  return { steps, node };
}

// ---------------------------------------------------------------------------------------------
// The comparison table
// ---------------------------------------------------------------------------------------------

export const SYSTEMS = ["nats", "jetstream", "rabbitmq", "redis-pubsub", "redis-streams", "kafka", "grpc"] as const;
export type SystemId = (typeof SYSTEMS)[number];

export const SYSTEM_LABELS: Record<SystemId, string> = {
  nats: "NATS (core)",
  jetstream: "JetStream",
  rabbitmq: "RabbitMQ",
  "redis-pubsub": "Redis pub/sub",
  "redis-streams": "Redis Streams",
  kafka: "Kafka",
  grpc: "gRPC",
};

/** How a cell reads at a glance: the property is there, partly there, or not there. */
export type CellTone = "yes" | "partly" | "no" | "neutral";

export interface TableCell {
  text: string;
  tone: CellTone;
}

/** Where the audience can watch a property happen. */
export type GuideLink = { kind: "scenario"; id: string } | { kind: "comparison"; id: string };

export interface TableRow {
  id: string;
  property: string;
  cells: Record<SystemId, TableCell>;
  watch: readonly GuideLink[];
}

const yes = (text: string): TableCell => ({ text, tone: "yes" });
const partly = (text: string): TableCell => ({ text, tone: "partly" });
const no = (text: string): TableCell => ({ text, tone: "no" });
const plain = (text: string): TableCell => ({ text, tone: "neutral" });

export const TABLE_ROWS: readonly TableRow[] = [
  {
    id: "pattern",
    property: "Pattern",
    cells: {
      nats: plain("Request/reply, pub/sub, queue groups"),
      jetstream: plain("Persistent streams, work queues"),
      rabbitmq: plain("Queues, pub/sub through exchanges"),
      "redis-pubsub": plain("Broadcast, 1 to many"),
      "redis-streams": plain("Append-only log, consumer groups"),
      kafka: plain("Event streaming"),
      grpc: plain("Request/response, streaming calls"),
    },
    watch: [
      { kind: "scenario", id: "order-placement" },
      { kind: "scenario", id: "hybrid-api" },
    ],
  },
  {
    id: "persistence",
    property: "Persistence",
    cells: {
      nats: no("None"),
      jetstream: yes("Stored in the stream"),
      rabbitmq: yes("Until consumed (durable queue)"),
      "redis-pubsub": no("None: no subscriber, gone"),
      "redis-streams": partly("Short-term (hours, days)"),
      kafka: yes("Long-term retention"),
      grpc: no("None: it is a call"),
    },
    watch: [{ kind: "scenario", id: "nats-jetstream" }],
  },
  {
    id: "replay",
    property: "Replay",
    cells: {
      nats: no("No"),
      jetstream: yes("From a sequence or a time"),
      rabbitmq: no("No"),
      "redis-pubsub": no("No"),
      "redis-streams": partly("Limited, while entries are kept"),
      kafka: yes("Yes, from any kept offset"),
      grpc: no("No"),
    },
    watch: [
      { kind: "comparison", id: "redis-pubsub-vs-kafka" },
      { kind: "scenario", id: "kafka-consumer-group" },
    ],
  },
  {
    id: "ordering",
    property: "Ordering",
    cells: {
      nats: plain("Per publisher and subject"),
      jetstream: plain("Per stream"),
      rabbitmq: plain("Per queue"),
      "redis-pubsub": plain("Per channel"),
      "redis-streams": plain("Per stream"),
      kafka: plain("Per partition (same key, same partition)"),
      grpc: plain("Per stream"),
    },
    watch: [{ kind: "scenario", id: "kafka-consumer-group" }],
  },
  {
    id: "routing",
    property: "Routing",
    cells: {
      nats: partly("Subject wildcards"),
      jetstream: partly("Subject filters"),
      rabbitmq: yes("Advanced: direct, topic, fanout, headers"),
      "redis-pubsub": partly("Channel patterns"),
      "redis-streams": no("Basic: one stream per key"),
      kafka: partly("Partition by key"),
      grpc: no("None: you call a method"),
    },
    watch: [{ kind: "scenario", id: "rabbitmq-exchanges" }],
  },
  {
    id: "delivery",
    property: "Delivery guarantee",
    cells: {
      nats: no("At most once"),
      jetstream: yes("At least once: ack, redelivered after the ack wait"),
      rabbitmq: yes("At least once: ack, requeued at once"),
      "redis-pubsub": no("At most once"),
      "redis-streams": yes("At least once: pending until acked, then claimed"),
      kafka: yes("At least once: re-read from the committed offset"),
      grpc: plain("The caller hears success, an error or a deadline"),
    },
    watch: [
      { kind: "comparison", id: "work-queue-four-brokers" },
      { kind: "comparison", id: "queue-group-vs-jetstream" },
    ],
  },
  {
    id: "fan-out",
    property: "Fan-out",
    cells: {
      nats: yes("Every subscriber"),
      jetstream: yes("A consumer each"),
      rabbitmq: yes("A queue each, bound to a fanout exchange"),
      "redis-pubsub": yes("Every current subscriber"),
      "redis-streams": yes("A consumer group each"),
      kafka: yes("A consumer group each"),
      grpc: no("No: one call, one server"),
    },
    watch: [
      { kind: "scenario", id: "nats-pubsub" },
      { kind: "scenario", id: "redis-pubsub" },
    ],
  },
  {
    id: "consumer-groups",
    property: "Consumer groups (load balancing)",
    cells: {
      nats: yes("Queue groups"),
      jetstream: yes("Shared durable consumer"),
      rabbitmq: yes("Competing consumers on a queue"),
      "redis-pubsub": no("No: all receive"),
      "redis-streams": yes("Yes (XREADGROUP)"),
      kafka: yes("Partitions split across the group"),
      grpc: plain("Not applicable"),
    },
    watch: [
      { kind: "scenario", id: "kafka-consumer-group" },
      { kind: "scenario", id: "nats-queue-group" },
    ],
  },
  {
    id: "latency",
    property: "Latency (the seeds' claim)",
    cells: {
      nats: plain("1–5 ms"),
      jetstream: plain("Not in the seeds"),
      rabbitmq: plain("5–20 ms, low to medium"),
      "redis-pubsub": plain("Under 1 ms"),
      "redis-streams": plain("Low"),
      kafka: plain("Medium"),
      grpc: plain("Very low, sub-millisecond"),
    },
    watch: [
      { kind: "scenario", id: "nats-request-reply" },
      { kind: "scenario", id: "grpc-inventory" },
    ],
  },
  {
    id: "throughput",
    property: "Throughput (the seeds' claim)",
    cells: {
      nats: plain("Very fast"),
      jetstream: plain("Not in the seeds"),
      rabbitmq: plain("10k–50k msg/s"),
      "redis-pubsub": plain("Very fast"),
      "redis-streams": plain("10k–100k msg/s"),
      kafka: plain("Millions of msg/s"),
      grpc: plain("High"),
    },
    watch: [{ kind: "comparison", id: "work-queue-four-brokers" }],
  },
];

export function linkHref(link: GuideLink): string {
  return link.kind === "scenario" ? `/scenarios/${encodeURIComponent(link.id)}` : `/compare/${encodeURIComponent(link.id)}`;
}

// ---------------------------------------------------------------------------------------------
// The seeds' claims, and what a measurement says about them
// ---------------------------------------------------------------------------------------------

export type ClaimMetric = "latency" | "throughput";

export interface Claim {
  metric: ClaimMetric;
  /** The claimed range, in ms for latency and messages a second for throughput; null is open. */
  min: number | null;
  max: number | null;
  /** The claim as the page shows it. */
  wording: string;
  /**
   * Set where one machine cannot test the claim: it is about a cluster, not a broker. Says what
   * the claim assumes.
   */
  needsCluster?: string;
}

export const CLAIMS: Record<MeasureId, readonly Claim[]> = {
  "nats-request-reply": [{ metric: "latency", min: 1, max: 5, wording: "1–5 ms" }],
  // The seed gives one latency for NATS, measured on request/reply; it holds for a publish too.
  "nats-pubsub": [{ metric: "latency", min: 1, max: 5, wording: "1–5 ms" }],
  "nats-jetstream": [],
  rabbitmq: [
    { metric: "latency", min: 5, max: 20, wording: "5–20 ms" },
    { metric: "throughput", min: 10_000, max: 50_000, wording: "10k–50k msg/s" },
  ],
  "redis-pubsub": [{ metric: "latency", min: null, max: 1, wording: "under 1 ms" }],
  "redis-streams": [{ metric: "throughput", min: 10_000, max: 100_000, wording: "10k–100k msg/s" }],
  kafka: [{ metric: "throughput", min: 1_000_000, max: null, wording: "millions of msg/s", needsCluster: "a partitioned cluster with many producers" }],
  "grpc-unary": [{ metric: "latency", min: null, max: 1, wording: "sub-millisecond" }],
};

export type VerdictOutcome = "agrees" | "better" | "worse" | "cannot-judge" | "no-figure";

export interface Verdict {
  outcome: VerdictOutcome;
  text: string;
}

/** Two significant digits below 10 ms, whole milliseconds above: more would be noise. */
export function formatMs(ms: number): string {
  if (ms < 10) return `${Number(ms.toPrecision(2))} ms`;
  return `${Math.round(ms).toLocaleString("en-US")} ms`;
}

export function formatRate(perSecond: number): string {
  if (perSecond >= 1_000_000) return `${(perSecond / 1_000_000).toFixed(perSecond >= 10_000_000 ? 0 : 1)}M msg/s`;
  if (perSecond >= 1_000) return `${(perSecond / 1_000).toFixed(perSecond >= 10_000 ? 0 : 1)}k msg/s`;
  return `${Math.round(perSecond)} msg/s`;
}

/** A claim's round number as the seeds write it: 5, 10k, 1M. */
function round(n: number): string {
  if (n >= 1_000_000) return `${n / 1_000_000}M`;
  if (n >= 1_000) return `${n / 1_000}k`;
  return String(n);
}

/** Under half the lower bound, or over twice the upper, is "well" outside. */
const WELL = 2;

/**
 * What a measured result says about one claim, in one plain sentence. Latency is judged by its
 * p50 (the p99 is mentioned when it alone breaks the claim); throughput by messages a second.
 */
export function verdict(claim: Claim, measured: MeasureResult): Verdict {
  const latency = claim.metric === "latency";
  const value = latency ? measured.latency?.p50Ms : measured.throughput?.messagesPerSecond;
  if (value === undefined) return { outcome: "no-figure", text: `No ${claim.metric} measured${measured.error ? `: ${measured.error}` : ""}.` };
  const figure = latency ? `Measured ${formatMs(value)} p50` : `Measured ${formatRate(value)}`;
  const unit = latency ? "ms" : "msg/s";
  const below = claim.min !== null && value < claim.min;
  const above = claim.max !== null && value > claim.max;
  if (below && claim.needsCluster)
    return {
      outcome: "cannot-judge",
      text: `${figure} with one broker and one client on this machine. The claimed ${claim.wording} assume ${claim.needsCluster}, so one machine can neither confirm nor refute it.`,
    };
  const p99 = measured.latency?.p99Ms;
  const p99Over = latency && !above && claim.max !== null && p99 !== undefined && p99 > claim.max ? `, though its p99 of ${formatMs(p99)} is over it` : "";
  const ranged = claim.min !== null && claim.max !== null ? `${round(claim.min)}–${round(claim.max)} ${unit}` : null;
  const bound = below ? claim.min : above ? claim.max : null;
  if (bound === null) return { outcome: "agrees", text: ranged ? `${figure}: within the claimed ${ranged}${p99Over}.` : `${figure}: ${claim.wording}, as claimed${p99Over}.` };
  // Less is better for latency, more for throughput.
  const outcome = below === latency ? "better" : "worse";
  const well = (below ? value < bound / WELL : value > bound * WELL) ? "well " : "";
  const side = below ? "under" : "over";
  return { outcome, text: ranged ? `${figure}: ${well}${side} the claimed ${ranged}${p99Over}.` : `${figure}: ${well}${side} ${round(bound)} ${unit}, so not ${claim.wording} as claimed.` };
}
