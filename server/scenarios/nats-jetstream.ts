import { AckPolicy, DeliverPolicy, DiscardPolicy, nanos, NatsError, RetentionPolicy, StorageType, type ConsumerInfo, type JetStreamManager, type NatsConnection } from "nats";
import { z } from "zod";
import type { SettingsValues } from "../../lib/protocol";
import { connectNats } from "../brokers/nats";
import type { GaugeReader, ScenarioDefinition } from "./definition";

/**
 * From the seeds: order events, made durable with JetStream ("message persistence, consumer
 * groups"), worked off by the inventory service. The stream captures orders.>; the core NATS
 * scenarios use subjects outside it, or it would store their messages too.
 */
export const ORDERS_STREAM = "ORDERS";
export const ORDERS_SUBJECTS = "orders.>";
export const ORDER_CREATED_SUBJECT = "orders.created";
export const INVENTORY_CONSUMER = "inventory-service";
/** JetStream publishes this when a message has used up its deliveries and is given up on. */
export const MAX_DELIVERIES_ADVISORY = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${ORDERS_STREAM}.${INVENTORY_CONSUMER}`;

export const STREAM_CHANNEL_ID = `nats:${ORDERS_STREAM}`;
export const CONSUMER_CHANNEL_ID = `nats:${ORDERS_STREAM}/${INVENTORY_CONSUMER}`;
export const TERMINATED_CHANNEL_ID = "nats:max-deliveries";

/** How long a failed message waits before JetStream offers it again: long enough to watch. */
export const NAK_DELAY_MS = 500;
/** Stream age limit: a terminated message stays in a work-queue stream until it ages out. */
const STREAM_MAX_AGE_MS = 24 * 60 * 60 * 1000;
const STREAM_MAX_BYTES = 256 * 1024 * 1024;

export const DEFAULT_ACK_WAIT_MS = 3_000;
export const DEFAULT_MAX_DELIVER = 4;

export function terminatedReason(deliveries: number): string {
  return `terminated after ${deliveries} deliveries: max deliver reached, JetStream gives up`;
}

/** The part of the advisory the scenario reads. */
export const maxDeliveriesAdvisorySchema = z.object({ stream_seq: z.number().int().positive(), deliveries: z.number().int().positive() });

function isNotFound(error: unknown): boolean {
  return error instanceof NatsError && (error.api_error?.code ?? Number(error.code)) === 404;
}

function notFoundAsNull(error: unknown): null {
  if (isNotFound(error)) return null;
  throw error;
}

/**
 * Work-queue retention: a message leaves the stream once acked, so the stream holds exactly the
 * work not yet done. Discard "new" when full: a refused publish is an error the producer sees,
 * where discarding old would silently delete unacked work.
 */
export async function ensureOrdersStream(jsm: JetStreamManager): Promise<void> {
  if (await jsm.streams.info(ORDERS_STREAM).catch(notFoundAsNull)) return;
  try {
    await jsm.streams.add({
      name: ORDERS_STREAM,
      subjects: [ORDERS_SUBJECTS],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      discard: DiscardPolicy.New,
      max_age: nanos(STREAM_MAX_AGE_MS),
      max_bytes: STREAM_MAX_BYTES,
    });
  } catch (error) {
    // Another process of the scenario made it first: fine, as long as it is there now.
    await jsm.streams.info(ORDERS_STREAM).catch(() => Promise.reject(error));
  }
}

export function consumerLimits(settings: SettingsValues): { ackWaitMs: number; maxDeliver: number } {
  return { ackWaitMs: settings.ackWaitMs ?? DEFAULT_ACK_WAIT_MS, maxDeliver: settings.maxDeliver ?? DEFAULT_MAX_DELIVER };
}

/**
 * Makes the durable consumer match the settings. A change of ack wait or max deliver is an
 * update in place: the consumer keeps its delivery state, so no message is lost or replayed.
 */
export async function ensureInventoryConsumer(jsm: JetStreamManager, settings: SettingsValues): Promise<ConsumerInfo> {
  const { ackWaitMs, maxDeliver } = consumerLimits(settings);
  const wanted = { ack_wait: nanos(ackWaitMs), max_deliver: maxDeliver };
  const info = (await jsm.consumers.info(ORDERS_STREAM, INVENTORY_CONSUMER).catch(notFoundAsNull)) ?? (await addInventoryConsumer(jsm, wanted));
  if (info.config.ack_wait === wanted.ack_wait && info.config.max_deliver === wanted.max_deliver) return info;
  return jsm.consumers.update(ORDERS_STREAM, INVENTORY_CONSUMER, wanted);
}

async function addInventoryConsumer(jsm: JetStreamManager, limits: { ack_wait: number; max_deliver: number }): Promise<ConsumerInfo> {
  try {
    return await jsm.consumers.add(ORDERS_STREAM, { durable_name: INVENTORY_CONSUMER, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, ...limits });
  } catch (error) {
    // Made meanwhile by another process, perhaps with other limits: the caller updates it.
    return jsm.consumers.info(ORDERS_STREAM, INVENTORY_CONSUMER).catch(() => Promise.reject(error));
  }
}

export const natsJetstreamSettings = z
  .object({
    delayMs: z.number().int().min(0).max(60_000),
    failRate: z.number().min(0).max(1),
    ackWaitMs: z.number().int().min(500).max(600_000),
    maxDeliver: z.number().int().min(1).max(20),
  })
  .partial()
  .strict();

export const natsJetstream: ScenarioDefinition = {
  info: {
    id: "nats-jetstream",
    title: "JetStream work queue",
    summary:
      "The order service stores orders.created events in the JetStream stream ORDERS (work-queue retention: an acked message leaves it) and gets a PubAck with the stream sequence. Workers pull one message at a time from the durable consumer inventory-service and ack each explicitly. Kill a worker before it acks: once the ack wait runs out JetStream delivers the message again, with its delivery count. A failing message is nak'ed and comes back; after max deliver JetStream gives up and announces it (terminated). Same broker as the queue group, but at-least-once instead of at-most-once: the stream keeps the message until someone acks it.",
    pattern: "work-queue",
    broker: "nats",
    guarantee: "at-least-once",
    roundTrip: "publish → PubAck (stored)",
    publishLabel: "Store order",
    roles: [
      { name: "publisher", description: `Publishes to ${ORDER_CREATED_SUBJECT} and waits for the stream's PubAck; reports max-deliveries advisories`, min: 1, max: 1, killable: false },
      { name: "worker", description: `Pulls from durable consumer ${INVENTORY_CONSUMER}, one message at a time, explicit ack`, min: 0, max: 8, killable: true },
    ],
    commands: [
      { type: "publish", description: "Store one order event, or a burst of count" },
      { type: "add-actor", description: "Add a worker on the same durable consumer" },
      { type: "kill-actor", description: "SIGKILL a worker; its unacked message comes back after the ack wait" },
      { type: "set", description: "Change delayMs, failRate, ackWaitMs or maxDeliver (the consumer is updated in place)" },
      { type: "reset", description: "Clear the ledger and the hop log" },
    ],
    settings: [
      { name: "delayMs", label: "Work per message", unit: "ms", min: 0, max: 10_000, step: 10 },
      { name: "failRate", label: "Failure rate", unit: "0–1", min: 0, max: 1, step: 0.1 },
      { name: "ackWaitMs", label: "Ack wait", unit: "ms", min: 500, max: 60_000, step: 500 },
      { name: "maxDeliver", label: "Max deliver", unit: "", min: 1, max: 20, step: 1 },
    ],
    channels: [
      { id: STREAM_CHANNEL_ID, label: `${ORDERS_STREAM} (${ORDERS_SUBJECTS})`, kind: "stream" },
      { id: CONSUMER_CHANNEL_ID, label: INVENTORY_CONSUMER, kind: "durable consumer", column: "queues" },
      { id: TERMINATED_CHANNEL_ID, label: "max deliveries advisory", kind: "terminated", column: "sink" },
    ],
    links: [
      { from: "role:publisher", to: STREAM_CHANNEL_ID },
      { from: STREAM_CHANNEL_ID, to: CONSUMER_CHANNEL_ID },
      { from: CONSUMER_CHANNEL_ID, to: "role:worker" },
      { from: CONSUMER_CHANNEL_ID, to: TERMINATED_CHANNEL_ID },
    ],
  },
  programs: { publisher: "nats-js-publisher", worker: "nats-js-worker" },
  publisherRole: "publisher",
  initialActors: [
    { role: "publisher", count: 1 },
    { role: "worker", count: 2 },
  ],
  defaults: { delayMs: 200, failRate: 0, ackWaitMs: DEFAULT_ACK_WAIT_MS, maxDeliver: DEFAULT_MAX_DELIVER },
  settingsSchema: natsJetstreamSettings,
  gauges: jetstreamGauges,
};

/** What the stream holds and what the consumer has out, as JetStream counts them. */
function jetstreamGauges(url: string): GaugeReader {
  let open: Promise<{ nc: NatsConnection; jsm: JetStreamManager }> | null = null;
  return {
    async read() {
      const opening = (open ??= connectNats({ url, name: "hopscope-gauges" }).then(async (nc) => ({ nc, jsm: await nc.jetstreamManager() })));
      const { jsm } = await opening.catch((error: unknown) => {
        // JetStream not enabled, say: try afresh next time rather than keep a failed promise.
        if (open === opening) open = null;
        throw error;
      });
      const [stream, consumer] = await Promise.all([jsm.streams.info(ORDERS_STREAM), jsm.consumers.info(ORDERS_STREAM, INVENTORY_CONSUMER)]);
      return {
        [STREAM_CHANNEL_ID]: { stored: stream.state.messages },
        [CONSUMER_CHANNEL_ID]: { ready: consumer.num_pending, unacked: consumer.num_ack_pending, pulls: consumer.num_waiting },
      };
    },
    async close() {
      const stale = open;
      open = null;
      // Not awaited: a connection still waiting for a broker that is down may never settle.
      void stale?.then(({ nc }) => nc.close()).catch(() => undefined);
    },
  };
}
