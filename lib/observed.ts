/**
 * Applications' own traffic, seen by the broker taps and by their OpenTelemetry spans. Nothing
 * declares its cast the way a scenario does: the picture is derived from the hops themselves,
 * and what Hopscope had to guess is told apart from what a tap or a span reported.
 */
import { z } from "zod";
import type { CastMember } from "./cast";
import { compareIds } from "./cast";
import type { BrokerId, Hop, LinkInfo, MessageHop, ScenarioInfo, TransportId } from "./protocol";
import { BROKERS, isMessageHop, OBSERVED_ID } from "./protocol";
import { rabbitmqQueueNameSchema } from "./rabbitmq-firehose";
import { layoutTopology, type Topology, type TopologyOptions } from "./topology";

export { OBSERVED_ID };

const UNKNOWN_PUBLISHER_SUFFIX = " publisher (unknown)";

/** The node every tapped publish comes from: the broker never says who sent a message. */
export function unknownPublisher(broker: BrokerId): string {
  return `${broker}${UNKNOWN_PUBLISHER_SUFFIX}`;
}

/** A node Hopscope put in the picture because the broker could not name the real one. */
export function isUnknownPublisher(nodeId: string): boolean {
  return nodeId.endsWith(UNKNOWN_PUBLISHER_SUFFIX) && (BROKERS as readonly string[]).includes(nodeId.slice(0, -UNKNOWN_PUBLISHER_SUFFIX.length));
}

/**
 * What the observe page is, told in a scenario's terms so the live store, the recorder and the
 * replay handle it as they handle a scenario. It declares no roles and no channels: its picture
 * comes from the hops.
 */
export const OBSERVED_INFO: ScenarioInfo = {
  id: OBSERVED_ID,
  title: "Your applications",
  summary: "Traffic of applications outside Hopscope, as the broker taps and their OpenTelemetry spans report it.",
  pattern: "observed",
  broker: "nats",
  brokers: ["nats", "redis", "kafka", "rabbitmq"],
  guarantee: "at-least-once",
  publishLabel: "",
  roundTrip: "publish → processed",
  roles: [],
  commands: [],
  settings: [],
  channels: [],
};

/** What each broker calls the place a message is sent to. */
const DESTINATION_KINDS: Record<TransportId, string> = { nats: "subject", redis: "channel", kafka: "topic", rabbitmq: "destination", grpc: "method" };

/** A node the picture holds, and whether a tap or a span named it or Hopscope had to. */
export interface ObservedMember extends CastMember {
  inferred: boolean;
}

export interface ObservedEdge {
  id: string;
  source: string;
  target: string;
  /** No hop along it names both its ends: one of them is Hopscope's guess. */
  inferred: boolean;
}

export interface ObservedGraph {
  cast: ObservedMember[];
  edges: ObservedEdge[];
}

const channelOf = (hop: MessageHop) => `${hop.broker}:${hop.message.destination}`.slice(0, 64);

/**
 * The cast and the edges the hops show. A hop's end named after its destination is a channel;
 * the other end is an application (its service name, or the broker's unknown publisher). An
 * application that only sends sits left of the channels, one that receives sits right of them.
 * An edge is observed when a tap or a span reported a hop along it between two named ends, and
 * inferred when Hopscope supplied one of its ends.
 */
export function observedGraph(hops: readonly Hop[]): ObservedGraph {
  const channels = new Map<string, ObservedMember>();
  const applications = new Map<string, { broker: TransportId; sends: boolean; receives: boolean }>();
  const edges = new Map<string, ObservedEdge>();
  for (const hop of hops) {
    if (!isMessageHop(hop)) continue;
    const channel = channelOf(hop);
    const toChannel = hop.to === channel;
    if (!toChannel && hop.from !== channel) continue;
    const application = toChannel ? hop.from : hop.to;
    if (application === channel) continue;
    if (!channels.has(channel)) {
      channels.set(channel, { id: channel, label: hop.message.destination, role: DESTINATION_KINDS[hop.broker], kind: "channel", alive: true, side: "middle", broker: hop.broker, inferred: false });
    }
    const known = applications.get(application) ?? { broker: hop.broker, sends: false, receives: false };
    // An application's settling hops (acked, processed) go back to the channel it received from.
    if (hop.kind === "published") known.sends = true;
    else known.receives = true;
    applications.set(application, known);
  }
  const sideOf = (id: string) => (applications.get(id)?.sends && !applications.get(id)?.receives ? "left" : "right");
  for (const hop of hops) {
    if (!isMessageHop(hop)) continue;
    const channel = channelOf(hop);
    const application = hop.to === channel ? hop.from : hop.to;
    if (!applications.has(application) || application === channel) continue;
    const [source, target] = sideOf(application) === "left" ? [application, channel] : [channel, application];
    const id = `${source}->${target}`;
    const reported = hop.source !== undefined && !isUnknownPublisher(application);
    const edge = edges.get(id);
    if (edge) edge.inferred &&= !reported;
    else edges.set(id, { id, source, target, inferred: !reported });
  }
  const cast: ObservedMember[] = [...channels.values()];
  for (const [id, { broker, sends, receives }] of applications) {
    const unknown = isUnknownPublisher(id);
    cast.push({
      id,
      label: unknown ? "unknown" : id,
      role: unknown ? "publisher" : sends && receives ? "sends and receives" : sends ? "sender" : "receiver",
      kind: "actor",
      alive: true,
      side: sends && !receives ? "left" : "right",
      ...(unknown ? { broker } : {}),
      inferred: unknown,
    });
  }
  // Senders, then channels, then receivers, each in a stable order so the picture does not jump.
  const rank = { left: 0, middle: 1, queues: 2, right: 3, sink: 4 } as const;
  cast.sort((a, b) => rank[a.side] - rank[b.side] || compareIds(a.id, b.id));
  return { cast, edges: [...edges.values()] };
}

/** The observed graph laid out as a scenario's is, each edge marked observed or inferred. */
export function layoutObserved(graph: ObservedGraph, options: TopologyOptions = {}): Topology {
  const links: LinkInfo[] = graph.edges.map((e) => ({ from: e.source, to: e.target }));
  // Channels name their broker themselves: boxes per broker would only cost the room type size.
  const topology = layoutTopology(graph.cast, links, options);
  const inferredEdges = new Set(graph.edges.filter((e) => e.inferred).map((e) => e.id));
  return { ...topology, edges: topology.edges.map((e) => ({ ...e, inferred: inferredEdges.has(e.id) })) };
}

/** The changes that alter the picture, as one string: the graph is rebuilt only when it changes. */
export function observedGraphKey(graph: ObservedGraph): string {
  return `${graph.cast.map((m) => `${m.id}:${m.side}`).join("|")}#${graph.edges.map((e) => `${e.id}:${e.inferred ? "i" : "o"}`).join("|")}`;
}

const MAX_TAP_TARGETS = 16;

/** What `POST /api/observe/taps` takes: the subjects, channel patterns, topics and queues to tap. */
export const tapTargetsSchema = z
  .object({
    nats: z.array(z.string().max(128).refine(isSubscribableSubject, "a NATS subject: dot-separated tokens, none empty, no spaces, `*` a whole token, `>` only last")).max(MAX_TAP_TARGETS).default([]),
    redis: z.array(z.string().min(1).max(128)).max(MAX_TAP_TARGETS).default([]),
    kafka: z
      .array(z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, "a Kafka topic name: letters, digits, dots, underscores and dashes"))
      .max(MAX_TAP_TARGETS)
      .default([]),
    /**
     * Watches the Redis patterns through MONITOR instead of PSUBSCRIBE: publishers are named, and
     * stream writes (XADD) show too, at a cost to Redis's throughput while it runs.
     */
    redisMonitor: z.boolean().default(false),
    /** JetStream streams whose settles (acks, naks, terms) and give-ups are tapped. */
    jetstream: z
      .array(z.string().regex(/^[^\s.*>]{1,255}$/, "a JetStream stream name: no spaces, dots, `*` or `>`"))
      .max(MAX_TAP_TARGETS)
      .default([]),
    /**
     * RabbitMQ queues whose publishes and deliveries are tapped through the firehose, which is on
     * for the whole vhost while they are, at a cost to its throughput.
     */
    rabbitmq: z.array(rabbitmqQueueNameSchema).max(MAX_TAP_TARGETS).default([]),
  })
  .strict();
export type TapTargets = z.output<typeof tapTargetsSchema>;
/** What a caller asks for: lists it leaves out are empty, MONITOR is off unless asked. */
export type TapRequest = z.input<typeof tapTargetsSchema>;

export const NO_TAPS: TapTargets = { nats: [], redis: [], kafka: [], redisMonitor: false, jetstream: [], rabbitmq: [] };

/** What NATS accepts as a subscription's subject; a bad one would fail at the broker, not here. */
function isSubscribableSubject(subject: string): boolean {
  const tokens = subject.split(".");
  return tokens.every((token, i) => token.length > 0 && !/\s/.test(token) && (!/[*>]/.test(token) || token === "*" || (token === ">" && i === tokens.length - 1)));
}

/** What `GET /api/observe/taps` answers. */
export const tapStatusSchema = z.object({
  targets: z.object({ nats: z.array(z.string()), redis: z.array(z.string()), kafka: z.array(z.string()), redisMonitor: z.boolean().default(false), jetstream: z.array(z.string()).default([]), rabbitmq: z.array(z.string()).default([]) }),
  /** When the taps now running started, epoch ms; null when none runs. */
  since: z.number().nullable(),
});
export type TapStatus = z.infer<typeof tapStatusSchema>;

export const TAP_FIELDS = ["nats", "redis", "kafka", "rabbitmq"] as const;
export type TapField = (typeof TAP_FIELDS)[number];

/** Subjects, patterns or topics as typed into one field: separated by commas, spaces or lines. */
export function parseTapList(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((item) => item !== ""))];
}

/**
 * The field a refusal of the taps is about, so it is shown next to it: a 400 names its field
 * first ("nats.0: ..."), a missing topic is Kafka's and a missing queue RabbitMQ's, a broker
 * that is away names its tap.
 */
export function tapFieldOfError(message: string): TapField | null {
  const path = /^(nats|redis|kafka|rabbitmq)\b/.exec(message);
  if (path) return path[1] as TapField;
  if (/^Kafka has no topic/.test(message) || /^Kafka tap/.test(message)) return "kafka";
  if (/^RabbitMQ has no queue/.test(message) || /^RabbitMQ tap/.test(message)) return "rabbitmq";
  if (/^NATS tap/.test(message)) return "nats";
  if (/^Redis tap/.test(message)) return "redis";
  return null;
}
