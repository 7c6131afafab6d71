/**
 * Broker taps: the server's own connections to the brokers, watching subjects, channels and
 * topics that applications use, so their traffic shows without any change to them. What a tap
 * sees is what the broker tells any subscriber: a message arrived at a destination, when, and
 * with what in it. It does not say who published it, so every tapped publish comes from one
 * node per broker that says as much.
 *
 * - NATS: a core subscription on each subject (wildcards allowed).
 * - Redis: PSUBSCRIBE on each channel pattern, on a connection of its own; or, when asked, MONITOR,
 *   which names the publisher and sees stream writes, at a cost to Redis's throughput.
 * - Kafka: a tail consumer in a group of its own, from each topic's end as the tap starts; the
 *   record's own timestamp is the hop's time.
 * - JetStream: what consumers tell a stream about its messages (acks, naks, terms on
 *   `$JS.ACK.<stream>.>`) and what the stream gives up on (the max-deliveries advisory).
 * - RabbitMQ: the firehose (rabbitmq.ts), which names publishers and consumers by their
 *   connections, at a cost to the whole vhost's throughput while it is on.
 */
import { Kafka, logLevel, type Admin, type Consumer } from "kafkajs";
import Redis from "ioredis";
import { connect, type JetStreamManager, type NatsConnection } from "nats";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { wallClockMs } from "../../lib/clock";
import { previewOf } from "../actors/runtime";
import { assignedPartitions, MESSAGE_ID_HEADER as KAFKA_MESSAGE_ID, TRACE_ID_HEADER as KAFKA_TRACE_ID } from "../brokers/kafka";
import { MESSAGE_ID_HEADER as NATS_MESSAGE_ID, TRACE_ID_HEADER as NATS_TRACE_ID } from "../brokers/nats";
import type { BrokerId, MessageHopDraft, MessageHopKind } from "../../lib/protocol";
import { maxDeliveriesAdvisorySchema } from "../scenarios/nats-jetstream/names";
import { OBSERVED_ID } from "../engine/observed";
import { destinationNodeId } from "../../lib/otlp";
import { CommitFollower } from "../../lib/kafka-commits";
import { clientNamesByAddress, monitoredClientName, monitoredWrite, redisGlob } from "../../lib/redis-monitor";
import { NO_TAPS, tapTargetsSchema, unknownPublisher, type TapRequest, type TapStatus, type TapTargets } from "../../lib/observed";

export { tapTargetsSchema, type TapRequest, type TapStatus, type TapTargets } from "../../lib/observed";
import { managementUrlOf, type Config } from "../config";
import { messageOf, withTimeout } from "../measure/timeout";
import { Every } from "./every";
import { NoSuchTarget } from "./errors";
import { tapRabbitmq } from "./rabbitmq";

/** A broker that is away is said so within this, rather than after its client's own retries. */
const TAP_START_MS = 15_000;


export { NoSuchTarget } from "./errors";

interface RunningTap {
  close(): Promise<unknown>;
}

type Emit = (hops: MessageHopDraft[]) => void;

let tapped = 0;
/** A message id where the message carries none of its own. */
const tapId = (prefix: string) => `${prefix}-tap-${(++tapped).toString(36)}`;

function published(broker: BrokerId, destination: string, at: number, body: Uint8Array, ids: { id: string; traceId?: string | undefined }, extra: Partial<MessageHopDraft["message"]> = {}, from = unknownPublisher(broker)): MessageHopDraft {
  return {
    scenarioId: OBSERVED_ID,
    broker,
    kind: "published",
    from: from.slice(0, 64),
    to: destinationNodeId(broker, destination),
    at,
    source: "tap",
    message: { id: ids.id.slice(0, 128), traceId: (ids.traceId || ids.id).slice(0, 128), destination: destination.slice(0, 256), attempt: 1, redelivered: false, size: body.byteLength, preview: previewOf(body, 160), ...extra },
  };
}

async function tapNats(url: string, subjects: string[], emit: Emit): Promise<RunningTap> {
  const nc: NatsConnection = await connect({ servers: url, name: "hopscope-tap", maxReconnectAttempts: -1 });
  for (const subject of subjects) {
    nc.subscribe(subject, {
      callback: (error, msg) => {
        if (error) return;
        const id = msg.headers?.get(NATS_MESSAGE_ID) || msg.headers?.get("Nats-Msg-Id") || tapId("nats");
        emit([published("nats", msg.subject, wallClockMs(), msg.data, { id, traceId: msg.headers?.get(NATS_TRACE_ID) })]);
      },
    });
  }
  // Listening before the caller hears so: what is published after the answer is seen.
  await nc.flush();
  return { close: () => nc.close() };
}

async function tapRedis(url: string, patterns: string[], emit: Emit): Promise<RunningTap> {
  const redis = new Redis(url, { connectionName: "hopscope-tap", maxRetriesPerRequest: null, lazyConnect: true });
  redis.on("error", () => undefined);
  await redis.connect();
  redis.on("pmessageBuffer", (_pattern: Buffer, channel: Buffer, body: Buffer) => {
    // Hopscope's own publishers put the message's id in the payload; others' have none.
    let id: string | undefined;
    try {
      const parsed = JSON.parse(body.toString("utf8")) as { messageId?: unknown };
      if (typeof parsed.messageId === "string" && parsed.messageId !== "") id = parsed.messageId;
    } catch {
      // Not JSON: an id of the tap's own.
    }
    emit([published("redis", channel.toString("utf8"), wallClockMs(), body, { id: id ?? tapId("redis") })]);
  });
  await redis.psubscribe(...patterns);
  return { close: async () => redis.disconnect() };
}

/** How often, at most, the MONITOR tap asks Redis for its clients' names, when a new client writes. */
const CLIENT_NAMES_REFRESH_MS = 250;
/** Client names the MONITOR tap remembers from the stream itself, the oldest forgotten first. */
const NAMED_WHILE_WATCHED_MAX = 10_000;

/**
 * The Redis tap through MONITOR: every PUBLISH and XADD on a matching channel or stream, from the
 * client that sent it, named as Redis knows it (`CLIENT SETNAME`, or its address).
 */
async function tapRedisMonitor(url: string, patterns: string[], emit: Emit): Promise<RunningTap> {
  const names = new Redis(url, { connectionName: "hopscope-tap", maxRetriesPerRequest: null, lazyConnect: true });
  names.on("error", () => undefined);
  await names.connect();
  let known = new Map<string, string>();
  /** Wall-clock ms, comparable with MONITOR's own timestamps. */
  let askedAt = 0;
  /** Clients that wrote since the names were last asked: a new one is asked about at once. */
  const heardFrom = new Set<string>();
  const askNames = async () => {
    askedAt = wallClockMs();
    known = clientNamesByAddress(String(await names.client("LIST")));
  };
  let monitor: Redis;
  try {
    await askNames();
    monitor = await names.monitor();
  } catch (error) {
    names.disconnect();
    throw error;
  }
  monitor.on("error", () => undefined);
  const globs = patterns.map(redisGlob);
  const matches = (key: string) => globs.some((glob) => glob.test(key));
  // One after another, so a write waiting for its client's name is not overtaken by the next.
  let reporting = Promise.resolve();
  /** Names clients gave themselves while watched; these outlast a client gone before it was asked about. */
  const namedWhileWatched = new Map<string, string>();
  const nameOf = (source: string) => {
    const own = namedWhileWatched.get(source);
    // "" is a name cleared: the client is unnamed now, whatever CLIENT LIST said before.
    return own === undefined ? known.get(source) : own || undefined;
  };
  monitor.on("monitor", (timestamp: string, args: string[], source: string) => {
    const command = { timestamp, args, source };
    const naming = monitoredClientName(command);
    if (naming !== null) {
      // In the chain, so a write made before the naming is not reported under the new name.
      reporting = reporting.then(() => {
        namedWhileWatched.delete(source);
        namedWhileWatched.set(source, naming);
        // MONITOR never says a client left; an app that connects per request must not grow this forever.
        if (namedWhileWatched.size > NAMED_WHILE_WATCHED_MAX) namedWhileWatched.delete(namedWhileWatched.keys().next().value as string);
      });
      return;
    }
    const write = monitoredWrite(command, matches);
    if (!write) return;
    reporting = reporting.then(async () => {
      // A client met for the first time is asked about, unless the names were read after it wrote
      // (it has none then); one without a name, at most every so often, in case it sets one.
      const unknown = nameOf(write.source) === undefined && write.at > askedAt;
      if (unknown && (!heardFrom.has(write.source) || wallClockMs() - askedAt > CLIENT_NAMES_REFRESH_MS)) await askNames().catch(() => undefined);
      heardFrom.add(write.source);
      const body = Buffer.from(write.body, "utf8");
      // A named client is drawn under its name alone, the one its team gave it (and its spans'
      // service name, where it exports spans too); an unnamed one by its address.
      const from = nameOf(write.source) ?? `redis client ${write.source}`;
      emit([published("redis", write.destination, write.at, body, { id: write.messageId ?? tapId("redis") }, {}, from)]);
    });
    // One write the store refuses must not stop every later one from being reported.
    reporting = reporting.catch(() => undefined);
  });
  return {
    close: async () => {
      monitor.disconnect();
      names.disconnect();
    },
  };
}

async function tapKafka(brokers: string, topics: string[], emit: Emit): Promise<RunningTap> {
  const kafka = new Kafka({ clientId: "hopscope-tap", brokers: brokers.split(","), logLevel: logLevel.NOTHING, connectionTimeout: 3_000, retry: { retries: 3 } });
  const groupId = `hopscope-tap-${randomBytes(4).toString("hex")}`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic));
    if (missing.length > 0) throw new NoSuchTarget(`Kafka has no topic ${missing.join(", ")}`);
    // The group starts at each topic's end as it is now, so nothing older is reported and
    // nothing sent from here on is missed, however long the group takes to settle.
    for (const topic of topics) await admin.resetOffsets({ groupId, topic, earliest: false });
  } finally {
    await admin.disconnect();
  }
  const consumer: Consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250, sessionTimeout: 10_000 });
  await consumer.connect();
  for (const topic of topics) await consumer.subscribe({ topic });
  const follower = new CommitFollower<MessageHopDraft["message"]>();
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      const header = (name: string) => message.headers?.[name]?.toString();
      const id = header(KAFKA_MESSAGE_ID) || tapId(`${topic}-${partition}-${message.offset}`);
      const at = Number(message.timestamp) || wallClockMs();
      const hop = published("kafka", topic, at, message.value ?? new Uint8Array(), { id, traceId: header(KAFKA_TRACE_ID) }, { partition, offset: message.offset, ...(message.key ? { key: message.key.toString().slice(0, 128) } : {}) });
      follower.seen(topic, partition, Number(message.offset), hop.message);
      emit([hop]);
    },
  });
  const readers = kafka.admin();
  await readers.connect().catch(() => undefined);
  const commits = new Every(KAFKA_COMMITS_POLL_MS, () => followCommits(readers, topics, follower, emit), undefined);
  void commits.start();
  return {
    close: async () => {
      commits.stop();
      await readers.disconnect().catch(() => undefined);
      await consumer.disconnect();
      const cleanup = kafka.admin();
      await cleanup.connect();
      await cleanup.deleteGroups([groupId]).catch(() => undefined);
      await cleanup.disconnect();
    },
  };
}

/** How often the Kafka tap asks which groups committed past the records it saw. */
const KAFKA_COMMITS_POLL_MS = 500;

/**
 * Each group reading a tapped topic, and the records its commits passed since the last look:
 * a `committed` hop for each, from the member the coordinator had assigned the partition to, by
 * its client id. The hop's time is when the commit was seen, up to half a second after it was made.
 */
async function followCommits(admin: Admin, topics: readonly string[], follower: CommitFollower<MessageHopDraft["message"]>, emit: Emit): Promise<void> {
  const { groups } = await admin.listGroups();
  const ids = groups.map((g) => g.groupId).filter((id) => !id.startsWith("hopscope-tap"));
  if (ids.length === 0) return;
  const described = (await admin.describeGroups(ids)).groups;
  for (const group of described) {
    // Partition owners by topic: a member's assignment names the topics it reads.
    const owners = new Map<string, Map<number, string>>();
    for (const member of group.members) {
      for (const topic of topics) for (const partition of assignedPartitions(member, topic)) owners.set(topic, (owners.get(topic) ?? new Map<number, string>()).set(partition, member.clientId));
    }
    const read = topics.filter((topic) => owners.has(topic));
    if (read.length === 0) continue;
    const at = wallClockMs();
    const hops: MessageHopDraft[] = [];
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId: group.groupId, topics: read })) {
      for (const { partition, offset } of partitions) {
        const committed = Number(offset);
        if (committed < 0) continue;
        const reader = owners.get(topic)?.get(partition) ?? `group ${group.groupId}`;
        for (const message of follower.passedBy(group.groupId, topic, partition, committed)) {
          hops.push({ scenarioId: OBSERVED_ID, broker: "kafka", kind: "committed", from: reader.slice(0, 64), to: destinationNodeId("kafka", topic), at, source: "tap", message });
        }
      }
    }
    if (hops.length > 0) emit(hops);
  }
}

/** What a consumer's reply on `$JS.ACK…` says it did with the message; progress (`+WPI`) settles nothing. */
const ACK_KINDS: Record<string, { kind: MessageHopKind; reason?: string }> = {
  "+ACK": { kind: "acked" },
  "-NAK": { kind: "nacked", reason: "nak'ed by its consumer (-NAK): JetStream delivers it again" },
  "+TERM": { kind: "dead-lettered", reason: "terminated by its consumer (+TERM): JetStream will not deliver it again" },
};

/** Stream sequences whose message ids the tap has looked up: a few thousand settle in a burst. */
const JS_IDS_KEPT = 10_000;

/**
 * The `$JS.ACK` reply subject's tokens after the prefix: stream, consumer, deliveries, stream
 * sequence, consumer sequence, time, pending (the form without a domain).
 */
export function parseAckSubject(subject: string): { stream: string; consumer: string; deliveries: number; streamSeq: number } | null {
  const tokens = subject.split(".");
  if (tokens[0] !== "$JS" || tokens[1] !== "ACK" || tokens.length !== 9) return null;
  const [stream = "", consumer = "", deliveries, streamSeq] = tokens.slice(2);
  const n = Number(deliveries);
  const seq = Number(streamSeq);
  return Number.isInteger(n) && Number.isInteger(seq) && n > 0 && seq > 0 ? { stream, consumer, deliveries: n, streamSeq: seq } : null;
}

async function tapJetStream(url: string, streams: string[], emit: Emit): Promise<RunningTap> {
  const nc: NatsConnection = await connect({ servers: url, name: "hopscope-tap-jetstream", maxReconnectAttempts: -1 });
  let jsm: JetStreamManager;
  try {
    jsm = await nc.jetstreamManager();
    for (const stream of streams) {
      // An unknown stream is the caller's mistake: said as such, not as a broker that is away.
      const known = await jsm.streams.info(stream).then(
        () => true,
        (error: unknown) => {
          if (/stream not found/i.test(messageOf(error))) return false;
          throw error;
        },
      );
      if (!known) throw new NoSuchTarget(`JetStream has no stream ${stream}`);
    }
  } catch (error) {
    await nc.close();
    throw error;
  }
  const ids = new Map<string, { id: string; traceId?: string; size: number; preview: string }>();
  /**
   * The message's own id, read from the stream while it still holds it: a work-queue stream lets
   * go of a message once it is acked, so an ack may name a sequence the stream no longer has.
   */
  const describe = async (stream: string, seq: number) => {
    const key = `${stream}#${seq}`;
    const known = ids.get(key);
    if (known) return known;
    try {
      const held = await jsm.streams.getMessage(stream, { seq });
      const found = { id: held.header?.get(NATS_MESSAGE_ID) || held.header?.get("Nats-Msg-Id") || key, traceId: held.header?.get(NATS_TRACE_ID) || undefined, size: held.data.byteLength, preview: previewOf(held.data, 160) };
      if (ids.size >= JS_IDS_KEPT) ids.delete(ids.keys().next().value ?? "");
      ids.set(key, found);
      return found;
    } catch {
      return { id: key, size: 0, preview: "" };
    }
  };
  // Hops leave in the order the broker spoke, however long each one's lookup takes.
  let inOrder: Promise<void> = Promise.resolve();
  const settled = (kind: MessageHopKind, stream: string, consumer: string, seq: number, deliveries: number, reason?: string) => {
    const at = wallClockMs();
    const lookup = describe(stream, seq);
    inOrder = inOrder.then(async () => emitSettle(kind, stream, consumer, seq, deliveries, at, await lookup, reason));
  };
  const emitSettle = (kind: MessageHopKind, stream: string, consumer: string, seq: number, deliveries: number, at: number, message: Awaited<ReturnType<typeof describe>>, reason?: string) => {
    emit([
      {
        scenarioId: OBSERVED_ID,
        broker: "nats",
        kind,
        from: destinationNodeId("nats", `${stream}/${consumer}`),
        to: destinationNodeId("nats", stream),
        at,
        source: "tap",
        message: { id: message.id.slice(0, 128), traceId: (message.traceId || message.id).slice(0, 128), destination: stream, offset: String(seq), attempt: deliveries, redelivered: deliveries > 1, size: message.size, preview: message.preview },
        ...(reason ? { reason } : {}),
      },
    ]);
  };
  for (const stream of streams) {
    nc.subscribe(`$JS.ACK.${stream}.>`, {
      callback: (error, msg) => {
        if (error) return;
        const ack = parseAckSubject(msg.subject);
        // An empty reply is an ack too; a nak or term may carry a delay or a reason after a space.
        const verb = msg.data.byteLength === 0 ? "+ACK" : new TextDecoder().decode(msg.data.subarray(0, 8)).split(/[\s{]/)[0] ?? "";
        const settles = ACK_KINDS[verb];
        if (!ack || !settles) return;
        settled(settles.kind, ack.stream, ack.consumer, ack.streamSeq, ack.deliveries, settles.reason);
      },
    });
    nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.*`, {
      callback: (error, msg) => {
        if (error) return;
        const advisory = maxDeliveriesAdvisorySchema.extend({ consumer: z.string() }).safeParse(msg.json());
        if (!advisory.success) return;
        settled("dead-lettered", stream, advisory.data.consumer, advisory.data.stream_seq, advisory.data.deliveries, `JetStream gave up after ${advisory.data.deliveries} deliveries (max deliver)`);
      },
    });
  }
  await nc.flush();
  return { close: () => nc.close() };
}

/** The taps running now, replaced as a whole by each `set`. */
export class BrokerTaps {
  private running: RunningTap[] = [];
  private status: TapStatus = { targets: NO_TAPS, since: null };
  private changing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly urls: Config["urls"],
    private readonly emit: Emit,
    /** RabbitMQ's management API: the RabbitMQ tap switches the firehose through it. */
    private readonly rabbitmqManagement = managementUrlOf(urls.rabbitmq),
  ) {}

  current(): TapStatus {
    return this.status;
  }

  /**
   * Starts the taps asked for, then stops those they replace. All or nothing: if one cannot start
   * (its broker is away, its topic does not exist), those already started are closed again, the
   * taps running before go on as they were, and the error says which.
   */
  set(request: TapRequest): Promise<TapStatus> {
    const targets = tapTargetsSchema.parse(request);
    const next = this.changing.catch(() => undefined).then(() => this.replace(targets));
    this.changing = next;
    return next;
  }

  private async replace(targets: TapTargets): Promise<TapStatus> {
    const started: RunningTap[] = [];
    const attempts: [string, () => Promise<RunningTap>][] = [
      ["NATS", () => tapNats(this.urls.nats, targets.nats, this.emit)],
      ["Redis", () => (targets.redisMonitor ? tapRedisMonitor : tapRedis)(this.urls.redis, targets.redis, this.emit)],
      ["Kafka", () => tapKafka(this.urls.kafka, targets.kafka, this.emit)],
      ["JetStream", () => tapJetStream(this.urls.nats, targets.jetstream, this.emit)],
      ["RabbitMQ", () => tapRabbitmq(this.urls.rabbitmq, this.rabbitmqManagement, targets.rabbitmq, this.emit)],
    ];
    const wanted = [targets.nats, targets.redis, targets.kafka, targets.jetstream, targets.rabbitmq];
    for (const [i, [name, start]] of attempts.entries()) {
      if (wanted[i]?.length === 0) continue;
      const starting = start();
      try {
        started.push(await withTimeout(starting, TAP_START_MS, `the ${name} tap's start`));
      } catch (error) {
        // One that starts after all is closed as soon as it has.
        void starting.then((late) => late.close()).catch(() => undefined);
        await Promise.allSettled(started.map((tap) => tap.close()));
        if (error instanceof NoSuchTarget) throw error;
        throw new Error(`${name} tap: ${messageOf(error)}`);
      }
    }
    // Both run for the moment it takes to close the old ones: a message then is seen twice,
    // which is better than a gap in which it is not seen at all.
    await this.closeRunning();
    this.running = started;
    const any = wanted.some((list) => list && list.length > 0);
    this.status = { targets, since: any ? wallClockMs() : null };
    return this.status;
  }

  /** Waits for a change under way first: taps it is starting would otherwise outlive the close. */
  async close(): Promise<void> {
    await this.changing.catch(() => undefined);
    await this.closeRunning();
  }

  private async closeRunning(): Promise<void> {
    const running = this.running;
    this.running = [];
    this.status = { targets: NO_TAPS, since: null };
    await Promise.allSettled(running.map((tap) => tap.close()));
  }
}
