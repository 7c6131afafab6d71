import { AckPolicy, DeliverPolicy, DiscardPolicy, nanos, NatsError, RetentionPolicy, StorageType, type ConsumerInfo, type JetStreamManager } from "nats";
import { INVENTORY_CONSUMER, ORDERS_STREAM, ORDERS_SUBJECTS } from "./names";

/** Stream age limit: a terminated message stays in a work-queue stream until it ages out. */
const STREAM_MAX_AGE_MS = 24 * 60 * 60 * 1000;
const STREAM_MAX_BYTES = 256 * 1024 * 1024;

/** The settings the durable consumer is made with. */
export interface ConsumerLimits {
  ackWaitMs: number;
  maxDeliver: number;
}

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

/**
 * Makes the durable consumer match the settings. A change of ack wait or max deliver is an
 * update in place: the consumer keeps its delivery state, so no message is lost or replayed.
 */
export async function ensureInventoryConsumer(jsm: JetStreamManager, { ackWaitMs, maxDeliver }: ConsumerLimits): Promise<ConsumerInfo> {
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
