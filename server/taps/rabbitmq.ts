/**
 * The RabbitMQ tap, through the firehose: while a vhost's tracing is on, RabbitMQ copies every
 * publish and every delivery in it to the `amq.rabbitmq.trace` exchange, with the connection
 * that made it. The tap binds a queue of its own to the publishes and to the deliveries of the
 * queues it is asked about, and names each connection as the management API knows it (the name
 * its client gave it, where it gave one). Acks are not in the firehose: the queues' counters are
 * read from the management API instead (RabbitQueuePoller).
 *
 * The firehose costs the whole vhost throughput while it is on, so the tap switches it on only
 * while it runs, and back off when the last tap goes (unless someone else had it on before).
 */
import { connect, type ChannelModel, type ConsumeMessage } from "amqplib";
import { wallClockMs } from "../../lib/clock";
import { destinationNodeId } from "../../lib/otlp";
import type { MessageHopDraft } from "../../lib/protocol";
import { OBSERVED_ID } from "../../lib/protocol";
import { parseFirehose, vhostOfAmqpUrl, type FirehoseEvent, type QueueCounters } from "../../lib/rabbitmq-firehose";
import { previewOf } from "../actors/runtime";
import { TRACE_ID_HEADER } from "../brokers/rabbitmq";
import { holdTracing, RabbitManagement } from "../brokers/rabbitmq-management";
import { NoSuchTarget } from "./errors";
import { Every } from "./every";

const TRACE_EXCHANGE = "amq.rabbitmq.trace";
/** The tap's own queue holds at most this many copies: a tap that falls behind drops the oldest, RabbitMQ does not fill up. */
const TAP_QUEUE_MAX = 100_000;
/** How often, at most, the tap asks the management API for connections' names. */
const CONNECTION_NAMES_REFRESH_MS = 250;
/**
 * How long a hop from a connection the management API does not list yet waits for its name: the
 * API learns of a new connection with its next statistics round, up to five seconds (RabbitMQ's
 * default `collect_statistics_interval`) after it opened. After that the connection is drawn by
 * the name RabbitMQ gave it.
 */
const CONNECTION_NAME_WAIT_MS = 6_500;
/** Connections whose names the tap remembers after they closed, the oldest forgotten first. */
const CONNECTION_NAMES_KEPT = 10_000;
/** How long the tap waits before it opens a lost connection again. */
const RECONNECT_MS = 1_000;
/** How often a queue's counters are read while it is tapped. */
export const QUEUE_COUNTERS_POLL_MS = 1_000;

type Emit = (hops: MessageHopDraft[]) => void;

let tapped = 0;
/** A message id where the message carries none of its own. */
const tapId = () => `rabbitmq-tap-${(++tapped).toString(36)}`;

/** Connections' names as the management API gives them, asked again when an unknown one appears. */
class ConnectionNames {
  private known = new Map<string, string>();
  /** Connections the management API never listed in time: not waited on again. */
  private unlisted = new Set<string>();
  private askedAt = 0;
  private asking: Promise<void> | null = null;
  closed = false;

  constructor(private readonly api: RabbitManagement) {}

  async of(connection: string): Promise<string> {
    const deadline = wallClockMs() + CONNECTION_NAME_WAIT_MS;
    for (;;) {
      const name = this.known.get(connection);
      if (name !== undefined) return name;
      if (this.closed || this.unlisted.has(connection) || wallClockMs() >= deadline) {
        this.remember(this.unlisted, connection);
        return connection;
      }
      const wait = this.askedAt + CONNECTION_NAMES_REFRESH_MS - wallClockMs();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await this.ask();
    }
  }

  /** Connections open before the tap are named at once. */
  async start(): Promise<void> {
    await this.ask();
  }

  private ask(): Promise<void> {
    this.asking ??= (async () => {
      try {
        this.askedAt = wallClockMs();
        for (const [connection, name] of await this.api.connectionNames()) {
          this.known.delete(connection);
          this.known.set(connection, name);
          this.unlisted.delete(connection);
        }
        while (this.known.size > CONNECTION_NAMES_KEPT) this.known.delete(this.known.keys().next().value as string);
      } catch {
        // The API away for a moment: the connection is named as RabbitMQ names it, if it stays away.
      } finally {
        this.asking = null;
      }
    })();
    return this.asking;
  }

  private remember(set: Set<string>, connection: string): void {
    set.add(connection);
    if (set.size > CONNECTION_NAMES_KEPT) set.delete(set.values().next().value as string);
  }
}

function hopsOf(event: FirehoseEvent, queues: ReadonlySet<string>, body: Uint8Array, at: number, peer: string): MessageHopDraft[] {
  const id = (event.messageId ?? tapId()).slice(0, 128);
  const trace = event.headers[TRACE_ID_HEADER];
  const traceId = (typeof trace === "string" && trace !== "" ? trace : id).slice(0, 128);
  const message = (queue: string, redelivered: boolean) => ({ id, traceId, destination: queue.slice(0, 256), attempt: redelivered ? 2 : 1, redelivered, size: body.byteLength, preview: previewOf(body, 160) });
  const base = { scenarioId: OBSERVED_ID, broker: "rabbitmq" as const, at, source: "tap" as const };
  if (event.kind === "publish") {
    // A publish fanned out to several tapped queues is one hop into each of them.
    return event.routedQueues.filter((queue) => queues.has(queue)).map((queue) => ({ ...base, kind: "published", from: peer.slice(0, 64), to: destinationNodeId("rabbitmq", queue), message: message(queue, false) }));
  }
  if (!queues.has(event.queue)) return [];
  return [{ ...base, kind: "delivered", from: destinationNodeId("rabbitmq", event.queue), to: peer.slice(0, 64), message: message(event.queue, event.redelivered) }];
}

export interface RabbitmqTap {
  close(): Promise<void>;
}

/** A connection the tap opens, its errors its own: RabbitMQ going away must not take the server with it. */
async function openConnection(amqpUrl: string): Promise<ChannelModel> {
  const connection = await connect(amqpUrl, { clientProperties: { connection_name: "hopscope-tap" } });
  connection.on("error", () => undefined);
  return connection;
}

/** A passive declare of a missing queue closes its channel with a 404: one channel each. */
async function checkQueues(connection: ChannelModel, queues: readonly string[]): Promise<void> {
  for (const queue of queues) {
    const probe = await connection.createChannel();
    probe.on("error", () => undefined);
    const exists = await probe.checkQueue(queue).then(
      () => true,
      (error: unknown) => {
        if ((error as { code?: unknown }).code === 404) return false;
        throw error;
      },
    );
    if (!exists) throw new NoSuchTarget(`RabbitMQ has no queue ${queue}`);
    await probe.close().catch(() => undefined);
  }
}

/**
 * The tap's own queue on the trace exchange: every publish, since a message published to any
 * exchange may end in a tapped queue, and only the tapped queues' deliveries.
 */
async function subscribe(connection: ChannelModel, queues: readonly string[], onCopy: (msg: ConsumeMessage | null) => void): Promise<void> {
  const channel = await connection.createChannel();
  channel.on("error", () => undefined);
  const { queue: copies } = await channel.assertQueue("", { exclusive: true, autoDelete: true, arguments: { "x-max-length": TAP_QUEUE_MAX } });
  await channel.bindQueue(copies, TRACE_EXCHANGE, "publish.#");
  for (const queue of queues) await channel.bindQueue(copies, TRACE_EXCHANGE, `deliver.${queue}`);
  await channel.consume(copies, onCopy, { noAck: true });
}

/**
 * Taps `queues` of the AMQP URL's vhost: publishes routed to them, from the publisher's
 * connection, and deliveries from them, to the consumer's. A queue that does not exist is
 * NoSuchTarget; a management API that does not answer says how to enable it. A connection lost
 * later (RabbitMQ restarted, or it closed the tap's) is opened again until the tap is closed.
 */
export async function tapRabbitmq(amqpUrl: string, managementUrl: string, queues: readonly string[], emit: Emit): Promise<RabbitmqTap> {
  const vhost = vhostOfAmqpUrl(amqpUrl);
  const api = new RabbitManagement(managementUrl);
  const names = new ConnectionNames(api);
  const tappedQueues = new Set(queues);
  // One after another, so a hop waiting for its connection's name is not overtaken by the next.
  let reporting: Promise<void> = Promise.resolve();
  const onCopy = (msg: ConsumeMessage | null) => {
    if (!msg) return;
    const at = wallClockMs();
    const event = parseFirehose(msg.fields.routingKey, msg.properties.headers);
    if (!event) return;
    if (event.kind === "publish" ? !event.routedQueues.some((q) => tappedQueues.has(q)) : !tappedQueues.has(event.queue)) return;
    reporting = reporting
      .then(async () => {
        const hops = hopsOf(event, tappedQueues, msg.content, at, await names.of(event.connection));
        if (hops.length > 0) emit(hops);
      })
      // One hop the store refuses must not stop every later one from being reported.
      .catch(() => undefined);
  };

  const first = await openConnection(amqpUrl);
  let release: (() => Promise<void>) | null = null;
  try {
    await checkQueues(first, queues);
    release = await holdTracing(api, vhost);
    await names.start();
    await subscribe(first, queues, onCopy);
  } catch (error) {
    await first.close().catch(() => undefined);
    await release?.().catch(() => undefined);
    throw error;
  }
  const held = release;

  let current: ChannelModel | null = first;
  let closed = false;
  const reopen = async () => {
    current = null;
    while (!closed) {
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
      let connection: ChannelModel | null = null;
      try {
        connection = await openConnection(amqpUrl);
        // A restarted RabbitMQ comes back with the firehose off: it is not kept across restarts.
        if (!(await api.tracing(vhost))) await api.setTracing(vhost, true);
        await subscribe(connection, queues, onCopy);
        if (closed) throw new Error("closed while reconnecting");
        current = connection;
        watch(connection);
        return;
      } catch {
        await connection?.close().catch(() => undefined);
      }
    }
  };
  const watch = (connection: ChannelModel) => connection.once("close", () => void (closed ? undefined : reopen()));
  watch(first);

  return {
    async close() {
      closed = true;
      names.closed = true;
      await current?.close().catch(() => undefined);
      await held().catch(() => undefined);
    },
  };
}

/**
 * What RabbitMQ's management API counts for the witnessed queues, read every second: ready,
 * unacked, and since the queue began acked, delivered and redelivered. A fact about the broker,
 * not a hop: the firehose does not carry acks, so these are the broker's word on them.
 */
export class RabbitQueuePoller {
  private readonly reads: Every<QueueCounters[]>;

  private constructor(
    private readonly api: RabbitManagement,
    private readonly vhost: string,
    private readonly queues: readonly string[],
  ) {
    this.reads = new Every(QUEUE_COUNTERS_POLL_MS, () => this.read(), []);
  }

  static async start(amqpUrl: string, managementUrl: string, queues: readonly string[]): Promise<RabbitQueuePoller> {
    const poller = new RabbitQueuePoller(new RabbitManagement(managementUrl), vhostOfAmqpUrl(amqpUrl), queues);
    // The first read says whether the API answers at all: a witness without it is refused.
    await poller.api.tracing(poller.vhost);
    await poller.reads.start();
    return poller;
  }

  current(): QueueCounters[] {
    return this.reads.current();
  }

  close(): void {
    this.reads.stop();
  }

  private async read(): Promise<QueueCounters[]> {
    const next: QueueCounters[] = [];
    for (const queue of this.queues) {
      const counters = await this.api.queue(this.vhost, queue);
      if (counters) next.push(counters);
    }
    return next;
  }
}
