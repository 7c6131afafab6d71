import { AckPolicy, DeliverPolicy, DiscardPolicy, nanos, NatsError, RetentionPolicy, StorageType, type ConsumerInfo, type JetStreamManager } from "nats";
import type { OrdersStreamNames } from "./names";

/** Stream age limit: a terminated message stays in a work-queue stream until it ages out. */
const STREAM_MAX_AGE_MS = 24 * 60 * 60 * 1000;
const STREAM_MAX_BYTES = 256 * 1024 * 1024;

/** The settings the durable consumer is made with. */
export interface ConsumerLimits {
  ackWaitMs: number;
  maxDeliver: number;
}

/** JetStream's 404: no such stream, consumer or stored message. */
export function isNotFound(error: unknown): boolean {
  return error instanceof NatsError && (error.api_error?.code ?? Number(error.code)) === 404;
}

export function notFoundAsNull(error: unknown): null {
  if (isNotFound(error)) return null;
  throw error;
}

/**
 * Work-queue retention: a message leaves the stream once acked, so the stream holds exactly the
 * work not yet done. Discard "new" when full: a refused publish is an error the producer sees,
 * where discarding old would silently delete unacked work.
 */
export async function ensureOrdersStream(jsm: JetStreamManager, names: OrdersStreamNames): Promise<void> {
  if (await jsm.streams.info(names.stream).catch(notFoundAsNull)) return;
  try {
    await jsm.streams.add({
      name: names.stream,
      subjects: [names.subjects],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      discard: DiscardPolicy.New,
      max_age: nanos(STREAM_MAX_AGE_MS),
      max_bytes: STREAM_MAX_BYTES,
    });
  } catch (error) {
    // Another process of the scenario made it first: fine, as long as it is there now.
    await jsm.streams.info(names.stream).catch(() => Promise.reject(error));
  }
}

/**
 * Makes the durable consumer match the settings. A change of ack wait or max deliver is an
 * update in place: the consumer keeps its delivery state, so no message is lost or replayed.
 */
export async function ensureInventoryConsumer(jsm: JetStreamManager, names: OrdersStreamNames, { ackWaitMs, maxDeliver }: ConsumerLimits): Promise<ConsumerInfo> {
  const wanted = { ack_wait: nanos(ackWaitMs), max_deliver: maxDeliver };
  const info = (await jsm.consumers.info(names.stream, names.consumer).catch(notFoundAsNull)) ?? (await addInventoryConsumer(jsm, names, wanted));
  if (info.config.ack_wait === wanted.ack_wait && info.config.max_deliver === wanted.max_deliver) return info;
  return jsm.consumers.update(names.stream, names.consumer, wanted);
}

async function addInventoryConsumer(jsm: JetStreamManager, names: OrdersStreamNames, limits: { ack_wait: number; max_deliver: number }): Promise<ConsumerInfo> {
  try {
    return await jsm.consumers.add(names.stream, { durable_name: names.consumer, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, ...limits });
  } catch (error) {
    // Made meanwhile by another process, perhaps with other limits: the caller updates it.
    return jsm.consumers.info(names.stream, names.consumer).catch(() => Promise.reject(error));
  }
}
