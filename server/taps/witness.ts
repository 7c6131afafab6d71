/**
 * The broker as a witness of a running scenario: taps on the instance's namespace, whose view of
 * what was published is held against what the scenario's actors reported (lib/crosscheck.ts).
 * A witness sees what its taps can: NATS subjects, Redis pub/sub channels, Kafka topics and the
 * RabbitMQ queues the scenario publishes to by name (through the firehose). Redis streams and
 * RabbitMQ exchanges are not tapped, so their messages are left out on both sides rather than
 * counted as the actors' alone.
 */
import { randomBytes } from "node:crypto";
import { crossCheck, crossCheckDeliveries, crossCheckSettles, witnessedRabbitmqQueues, type WitnessView } from "../../lib/crosscheck";
import { wallClockMs } from "../../lib/clock";
import { isMessageHop, type MessageHop, type MessageHopDraft } from "../../lib/protocol";
import { createKafka } from "../brokers/kafka";
import { namespace, type Namespace } from "../brokers/namespace";
import { managementUrlOf, type Config } from "../config";
import { RabbitManagement } from "../brokers/rabbitmq-management";
import { vhostOfAmqpUrl } from "../../lib/rabbitmq-firehose";
import { fail, ok, type Result, type ScenarioEngine } from "../engine";
import { BrokerTaps } from "./index";
import { KafkaLagPoller } from "./lag";
import { RedisPendingPoller } from "./pending";
import { NatsTraceListener, type NatsTracing } from "./nats-trace";
import { RabbitQueuePoller } from "./rabbitmq";

/** Most tapped publishes a witness keeps: far more than any scenario's hop buffer holds messages. */
const WITNESS_CAPACITY = 50_000;

/** What a witness runs, each closed with it. */
interface WitnessParts {
  taps: BrokerTaps;
  /** Where the scenario has Redis streams: what Redis holds pending for their groups. */
  pending: RedisPendingPoller | null;
  /** Where the scenario speaks Kafka: its groups' committed offsets against the topics' ends. */
  lag: KafkaLagPoller | null;
  /** Where the scenario publishes to RabbitMQ queues: their counters, acks among them. */
  queues: RabbitQueuePoller | null;
  /** Where the scenario speaks NATS: its server's traces of who got each message, or why there are none. */
  tracing: NatsTracing | null;
}

interface Witness extends WitnessParts {
  seen: MessageHopDraft[];
  since: number;
}

export class Witnesses {
  private running = new Map<string, Witness>();
  /** Witnesses being stopped now, whoever asked. */
  private readonly stopping = new Set<Promise<void>>();
  private readonly names: Namespace;

  constructor(
    private readonly engine: ScenarioEngine,
    private readonly urls: Config["urls"],
    namespaceId: string,
    private readonly rabbitmqManagement = managementUrlOf(urls.rabbitmq),
  ) {
    this.names = namespace(namespaceId);
    // A stopped scenario publishes nothing more: its witness goes with it.
    engine.on("state", (state) => {
      if (!state.running && this.running.has(state.id)) void this.stop(state.id);
    });
  }

  /** Taps what the scenario's actors publish on, from now on; a witness already there starts over. */
  async start(id: string): Promise<Result<WitnessView>> {
    const state = this.engine.state(id);
    if (!state.ok) return state;
    if (!state.result.running) return fail("not-running", `${id} is not running: start it first, so its topics exist and its actors report`);
    const uses = new Set(this.engine.list().find((s) => s.id === id)?.brokers);
    await this.stop(id);
    const seen: MessageHopDraft[] = [];
    const keep = (hops: MessageHopDraft[]) => {
      if (seen.length + hops.length <= WITNESS_CAPACITY) seen.push(...hops);
    };
    const taps = new BrokerTaps(this.urls, keep, this.rabbitmqManagement);
    let kafkaTopics: string[] = [];
    let rabbitmqQueues: string[] = [];
    try {
      kafkaTopics = uses.has("kafka") ? await this.topicsOf(id) : [];
      rabbitmqQueues = uses.has("rabbitmq") ? await this.queuesOf(id) : [];
      // Only the brokers the scenario speaks: one that is away and unused must not stop the witness.
      await taps.set({
        nats: uses.has("nats") ? [this.names.name(">")] : [],
        redis: uses.has("redis") ? [this.names.redis("*")] : [],
        kafka: kafkaTopics,
        jetstream: uses.has("nats") ? this.streamsOf(id, "nats").map((stream) => this.names.jetstream(stream)) : [],
        rabbitmq: rabbitmqQueues,
      });
    } catch (error) {
      return fail("broker-down", error instanceof Error ? error.message : String(error));
    }
    // What has started so far, closed again as a whole if a later part cannot start.
    const parts: WitnessParts = { taps, pending: null, lag: null, queues: null, tracing: null };
    try {
      const redisStreams = this.streamsOf(id, "redis");
      if (redisStreams.length > 0) parts.pending = await RedisPendingPoller.start(this.urls.redis, redisStreams.map((stream) => this.names.redis(stream)));
      if (kafkaTopics.length > 0) parts.lag = await KafkaLagPoller.start(this.urls.kafka, kafkaTopics, this.names.name(""));
      if (rabbitmqQueues.length > 0) parts.queues = await RabbitQueuePoller.start(this.urls.rabbitmq, this.rabbitmqManagement, rabbitmqQueues);
      // Outside the namespace the NATS tap watches: a trace is not a publish of the scenario's.
      if (uses.has("nats")) parts.tracing = await NatsTraceListener.start(this.urls.nats, `_hopscope_trace.${randomBytes(6).toString("hex")}`, keep);
    } catch (error) {
      await this.closeParts(id, parts);
      return fail("broker-down", error instanceof Error ? error.message : String(error));
    }
    if (parts.tracing?.on) await this.engine.traceNats(id, parts.tracing.listener.subject);
    // The scenario may have stopped while the taps started: a witness of nothing would outlive it.
    const after = this.engine.state(id);
    if (!after.ok || !after.result.running) {
      await this.closeParts(id, parts);
      return fail("not-running", `${id} stopped while its witness started`);
    }
    this.running.set(id, { ...parts, seen, since: wallClockMs() });
    return this.view(id);
  }

  async stop(id: string): Promise<void> {
    const witness = this.running.get(id);
    this.running.delete(id);
    if (!witness) return;
    const stopping = this.closeParts(id, witness);
    this.stopping.add(stopping);
    try {
      await stopping;
    } finally {
      this.stopping.delete(stopping);
    }
  }

  private async closeParts(id: string, parts: WitnessParts): Promise<void> {
    parts.pending?.close();
    parts.queues?.close();
    await parts.lag?.close();
    await parts.taps.close();
    if (parts.tracing?.on) {
      // Untraced again first: a publish naming a subject nobody listens on still costs NATS a trace.
      await this.engine.traceNats(id, null);
      await parts.tracing.listener.close();
    }
  }

  view(id: string): Result<WitnessView> {
    const witness = this.running.get(id);
    if (!witness) return this.engine.state(id).ok ? ok({ on: false, since: null, result: null }) : fail("not-found", `No scenario ${id}`);
    const info = this.engine.list().find((s) => s.id === id);
    const hops = this.engine.buffered(id);
    if (!info || !hops.ok) return fail("not-found", `No scenario ${id}`);
    const pubsubChannels = new Set(info.channels.filter((c) => c.kind === "channel").map((c) => c.id));
    const queueChannels = new Set(witnessedRabbitmqQueues(info).map((queue) => `rabbitmq:${queue}`));
    // What a tap can see: any NATS subject or Kafka topic, Redis pub/sub (not its streams) and
    // what is published straight to the witnessed RabbitMQ queues.
    const tappable = (hop: MessageHop) => hop.broker === "nats" || hop.broker === "kafka" || (hop.broker === "redis" && pubsubChannels.has(hop.to)) || (hop.broker === "rabbitmq" && queueChannels.has(hop.to));
    const reported = hops.result.filter((hop): hop is MessageHop => isMessageHop(hop) && tappable(hop));
    const destinations = new Set(reported.map((hop) => hop.message.destination));
    // The namespace is the instance's, shared by its scenarios: only this one's destinations count.
    const seen = witness.seen.filter((hop) => destinations.has(this.names.local(hop.message.destination)));
    const since = reported.filter((hop) => hop.at >= witness.since);
    const before = new Set(reported.filter((hop) => hop.at < witness.since).map((hop) => hop.message.id));
    const result = crossCheck(since, seen, before, wallClockMs());
    const pending = witness.pending?.current().map((p) => ({ ...p, stream: this.names.local(p.stream) }));
    const lag = witness.lag?.current().map((l) => ({ ...l, topic: this.names.local(l.topic), group: this.names.local(l.group) }));
    const queues = witness.queues?.current().map((q) => ({ ...q, queue: this.names.local(q.queue) }));
    const natsTracing = witness.tracing ? { on: witness.tracing.on, note: witness.tracing.on ? "NATS traces each message: who got it is the broker's word too" : witness.tracing.why } : null;
    const facts = { ...(pending ? { pending } : {}), ...(lag ? { lag } : {}), ...(queues ? { queues } : {}), ...(natsTracing ? { natsTracing } : {}) };
    const ownNats = hops.result.filter((hop): hop is MessageHop => isMessageHop(hop) && hop.broker === "nats" && hop.at >= witness.since);
    const agree = (check: { actorsOnly: { count: number }; brokerOnly: { count: number } }) => check.actorsOnly.count === 0 && check.brokerOnly.count === 0;
    let checked = result;
    if (witness.tracing?.on) {
      const traced = witness.seen.filter((hop) => hop.broker === "nats" && hop.kind === "delivered" && destinations.has(this.names.local(hop.message.destination)));
      const deliveries = crossCheckDeliveries(ownNats, traced, wallClockMs());
      checked = { ...checked, deliveries, confirmed: checked.confirmed && agree(deliveries) };
    }
    const streams = new Set(this.streamsOf(id, "nats"));
    if (streams.size > 0) {
      // The stream's settles, by sequence and delivery: JetStream hops are the only NATS ones with an offset.
      const reportedSettles = ownNats.filter((hop) => hop.message.offset !== undefined);
      const heardSettles = witness.seen.filter((hop) => hop.kind !== "published" && streams.has(this.names.local(hop.message.destination)));
      const settles = crossCheckSettles(reportedSettles, heardSettles);
      checked = { ...checked, settles, confirmed: checked.confirmed && agree(settles) };
    }
    return ok({ on: true, since: witness.since, result: checked, ...facts });
  }

  /** The streams a scenario declares on a broker (JetStream's, Redis'), by their seed names. */
  private streamsOf(id: string, broker: "nats" | "redis"): string[] {
    const info = this.engine.list().find((s) => s.id === id);
    return (info?.channels ?? []).filter((c) => c.kind === "stream" && c.id.startsWith(`${broker}:`)).map((c) => c.id.slice(broker.length + 1));
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.running.keys()].map((id) => this.stop(id)));
    // A witness its stopped scenario took with it may still be closing: the server waits for it,
    // or a firehose it held would stay on after the server is gone.
    await Promise.allSettled([...this.stopping]);
  }

  /**
   * The scenario's RabbitMQ queues as the broker names them, those that exist now: its actors
   * declare them as they start, and one not declared yet has nothing to witness. The management
   * API answers for the vhost, or the witness is refused with how to enable it.
   */
  private async queuesOf(id: string): Promise<string[]> {
    const info = this.engine.list().find((s) => s.id === id);
    if (!info) return [];
    const api = new RabbitManagement(this.rabbitmqManagement);
    const vhost = vhostOfAmqpUrl(this.urls.rabbitmq);
    const named = witnessedRabbitmqQueues(info).map((queue) => this.names.name(queue));
    const found = await Promise.all(named.map(async (queue) => ((await api.queue(vhost, queue)) ? queue : null)));
    return found.filter((queue): queue is string => queue !== null);
  }

  /**
   * The instance's topics that the scenario's channels name (a topic, or one of its partitions as
   * `<topic>-<n>`): other scenarios' topics in the namespace are not this one's to witness, and a
   * long-running instance may hold many.
   */
  private async topicsOf(id: string): Promise<string[]> {
    const channels = (this.engine.list().find((s) => s.id === id)?.channels ?? []).filter((c) => c.id.startsWith("kafka:")).map((c) => c.id.slice("kafka:".length));
    const named = new Set(channels.flatMap((channel) => [channel, channel.replace(/-\d+$/, "")]));
    const admin = createKafka({ brokers: this.urls.kafka, clientId: "hopscope-witness" }).admin();
    await admin.connect();
    try {
      const ours = (await admin.listTopics()).filter((topic) => topic.startsWith(this.names.name("")));
      return ours.filter((topic) => named.has(this.names.local(topic))).slice(0, 16);
    } finally {
      await admin.disconnect();
    }
  }
}
