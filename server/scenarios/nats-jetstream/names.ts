import { z } from "zod";

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

export function terminatedReason(deliveries: number): string {
  return `terminated after ${deliveries} deliveries: max deliver reached, JetStream gives up`;
}

/** The part of the advisory the scenario reads. */
export const maxDeliveriesAdvisorySchema = z.object({ stream_seq: z.number().int().positive(), deliveries: z.number().int().positive() });
