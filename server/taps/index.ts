/**
 * Broker taps: the server's own connections to the brokers, watching subjects, channels and
 * topics that applications use, so their traffic shows without any change to them. What a tap
 * sees is what the broker tells any subscriber: a message arrived at a destination, when, and
 * with what in it. It does not say who published it, so every tapped publish comes from one
 * node per broker that says as much.
 *
 * - NATS: a core subscription on each subject (wildcards allowed).
 * - Redis: PSUBSCRIBE on each channel pattern, on a connection of its own.
 * - Kafka: a tail consumer in a group of its own, from each topic's end as the tap starts; the
 *   record's own timestamp is the hop's time.
 * - JetStream: what consumers tell a stream about its messages (acks, naks, terms on
 *   `$JS.ACK.<stream>.>`) and what the stream gives up on (the max-deliveries advisory).
 */
import { Kafka, logLevel, type Consumer } from "kafkajs";
import Redis from "ioredis";
import { connect, type JetStreamManager, type NatsConnection } from "nats";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { wallClockMs } from "../../lib/clock";
import { previewOf } from "../actors/runtime";
import { MESSAGE_ID_HEADER as KAFKA_MESSAGE_ID, TRACE_ID_HEADER as KAFKA_TRACE_ID } from "../brokers/kafka";
import { MESSAGE_ID_HEADER as NATS_MESSAGE_ID, TRACE_ID_HEADER as NATS_TRACE_ID } from "../brokers/nats";
import type { BrokerId, MessageHopDraft, MessageHopKind } from "../../lib/protocol";
import { maxDeliveriesAdvisorySchema } from "../scenarios/nats-jetstream/names";
import { OBSERVED_ID } from "../engine/observed";
import { destinationNodeId } from "../../lib/otlp";
import type { Config } from "../config";
import { messageOf, withTimeout } from "../measure/timeout";

const MAX_TARGETS = 16;
/** A broker that is away is said so within this, rather than after its client's own retries. */
const TAP_START_MS = 15_000;

export const tapTargetsSchema = z
  .object({
    nats: z.array(z.string().max(128).refine(isSubscribableSubject, "a NATS subject: dot-separated tokens, none empty, no spaces, `*` a whole token, `>` only last")).max(MAX_TARGETS).default([]),
    redis: z.array(z.string().min(1).max(128)).max(MAX_TARGETS).default([]),
    kafka: z
      .array(z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, "a Kafka topic name: letters, digits, dots, underscores and dashes"))
      .max(MAX_TARGETS)
      .default([]),
    jetstream: z
      .array(z.string().regex(/^[^\s.*>]{1,255}$/, "a JetStream stream name: no spaces, dots, `*` or `>`"))
      .max(MAX_TARGETS)
      .default([]),
  })
  .strict();
export type TapTargets = z.infer<typeof tapTargetsSchema>;
const NO_TARGETS: TapTargets = { nats: [], redis: [], kafka: [], jetstream: [] };

/** What NATS accepts as a subscription's subject; a bad one would fail at the broker, not here. */
function isSubscribableSubject(subject: string): boolean {
  const tokens = subject.split(".");
  return tokens.every((token, i) => token.length > 0 && !/\s/.test(token) && (!/[*>]/.test(token) || token === "*" || (token === ">" && i === tokens.length - 1)));
}

export interface TapStatus {
  targets: TapTargets;
  /** When the taps now running started, epoch ms; null when none runs. */
  since: number | null;
}

/** A tap asked for something the broker does not have: the caller's mistake, not the broker's absence. */
export class NoSuchTarget extends Error {}

/** The node every tapped publish comes from: the broker never says who sent a message. */
export function unknownPublisher(broker: BrokerId): string {
  return `${broker} publisher (unknown)`;
}

interface RunningTap {
  close(): Promise<unknown>;
}

type Emit = (hops: MessageHopDraft[]) => void;

let tapped = 0;
/** A message id where the message carries none of its own. */
const tapId = (prefix: string) => `${prefix}-tap-${(++tapped).toString(36)}`;

function published(broker: BrokerId, destination: string, at: number, body: Uint8Array, ids: { id: string; traceId?: string | undefined }, extra: Partial<MessageHopDraft["message"]> = {}): MessageHopDraft {
  return {
    scenarioId: OBSERVED_ID,
    broker,
    kind: "published",
    from: unknownPublisher(broker),
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
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      const header = (name: string) => message.headers?.[name]?.toString();
      const id = header(KAFKA_MESSAGE_ID) || tapId(`${topic}-${partition}-${message.offset}`);
      const at = Number(message.timestamp) || wallClockMs();
      emit([published("kafka", topic, at, message.value ?? new Uint8Array(), { id, traceId: header(KAFKA_TRACE_ID) }, { partition, offset: message.offset, ...(message.key ? { key: message.key.toString().slice(0, 128) } : {}) })]);
    },
  });
  return {
    close: async () => {
      await consumer.disconnect();
      const cleanup = kafka.admin();
      await cleanup.connect();
      await cleanup.deleteGroups([groupId]).catch(() => undefined);
      await cleanup.disconnect();
    },
  };
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
  private status: TapStatus = { targets: NO_TARGETS, since: null };
  private changing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly urls: Config["urls"],
    private readonly emit: Emit,
  ) {}

  current(): TapStatus {
    return this.status;
  }

  /**
   * Stops the taps running and starts those asked for. All or nothing: if one cannot start (its
   * broker is away), those already started are closed again and the error says which.
   */
  set(targets: Partial<TapTargets>): Promise<TapStatus> {
    const next = this.changing.catch(() => undefined).then(() => this.replace({ ...NO_TARGETS, ...targets }));
    this.changing = next;
    return next;
  }

  private async replace(targets: TapTargets): Promise<TapStatus> {
    await this.close();
    const started: RunningTap[] = [];
    const attempts: [string, () => Promise<RunningTap>][] = [
      ["NATS", () => tapNats(this.urls.nats, targets.nats, this.emit)],
      ["Redis", () => tapRedis(this.urls.redis, targets.redis, this.emit)],
      ["Kafka", () => tapKafka(this.urls.kafka, targets.kafka, this.emit)],
      ["JetStream", () => tapJetStream(this.urls.nats, targets.jetstream, this.emit)],
    ];
    const wanted = [targets.nats, targets.redis, targets.kafka, targets.jetstream];
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
    this.running = started;
    const any = wanted.some((list) => list && list.length > 0);
    this.status = { targets, since: any ? wallClockMs() : null };
    return this.status;
  }

  async close(): Promise<void> {
    const running = this.running;
    this.running = [];
    this.status = { targets: NO_TARGETS, since: null };
    await Promise.allSettled(running.map((tap) => tap.close()));
  }
}
