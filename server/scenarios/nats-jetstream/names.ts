import { z } from "zod";
import type { Namespace } from "../../brokers/namespace";

/**
 * From the seeds: order events, made durable with JetStream ("message persistence, consumer
 * groups"), worked off by the inventory service. The stream captures orders.>; the core NATS
 * scenarios use subjects outside it, or it would store their messages too.
 */
export const ORDERS_STREAM = "ORDERS";
export const ORDERS_SUBJECTS = "orders.>";
export const ORDER_CREATED_SUBJECT = "orders.created";
export const INVENTORY_CONSUMER = "inventory-service";

/** The names above as the broker knows them, in the instance's namespace. */
export interface OrdersStreamNames {
  stream: string;
  subjects: string;
  orderCreated: string;
  consumer: string;
  /** JetStream publishes this when a message has used up its deliveries and is given up on. */
  maxDeliveriesAdvisory: string;
}

export function ordersStreamNames(names: Namespace): OrdersStreamNames {
  const stream = names.jetstream(ORDERS_STREAM);
  const consumer = names.jetstream(INVENTORY_CONSUMER);
  return {
    stream,
    subjects: names.name(ORDERS_SUBJECTS),
    orderCreated: names.name(ORDER_CREATED_SUBJECT),
    consumer,
    maxDeliveriesAdvisory: `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${consumer}`,
  };
}

export const STREAM_CHANNEL_ID = `nats:${ORDERS_STREAM}`;
export const CONSUMER_CHANNEL_ID = `nats:${ORDERS_STREAM}/${INVENTORY_CONSUMER}`;
export const TERMINATED_CHANNEL_ID = "nats:max-deliveries";

/** How long a failed message waits before JetStream offers it again: long enough to watch. */
export const NAK_DELAY_MS = 500;

export function terminatedReason(deliveries: number): string {
  return `terminated after ${deliveries} deliveries: max deliver reached, JetStream gives up`;
}

/** The part of the advisory the scenario reads. */
export const maxDeliveriesAdvisorySchema = z.object({ stream_seq: z.number().int().positive(), deliveries: z.number().int().positive() });
