import { z } from "zod";

/**
 * From the seeds: the order service emits these two events and the inventory service listens.
 * They are subjects of their own, outside orders.>, which the JetStream scenario's stream captures.
 */
export const ORDER_EVENTS = ["order_created", "order_status_updated"] as const;
export type OrderEvent = (typeof ORDER_EVENTS)[number];
export const orderEventSchema = z.enum(ORDER_EVENTS);
export const eventChannelId = (event: string) => `nats:${event}`;

export const DROP_NO_SUBSCRIBERS = "no subscribers: NATS discarded it (503 no interest); at-most-once, expected";
