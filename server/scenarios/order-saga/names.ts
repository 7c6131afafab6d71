import type { GroupStream } from "../shared/redis-stream-group";

/**
 * Seed 004, pattern 1 (the saga): each event on a Redis stream of its own, in the order a saga
 * meets them, which is also the order of their lanes.
 */
export const EVENTS = ["order.created", "inventory.reserved", "inventory.insufficient", "payment.succeeded", "payment.failed", "order.cancel"] as const;
export const [ORDER_CREATED, INVENTORY_RESERVED, INVENTORY_INSUFFICIENT, PAYMENT_SUCCEEDED, PAYMENT_FAILED, ORDER_CANCEL] = EVENTS;
export type SagaEvent = (typeof EVENTS)[number];

/** The three services; each is a role and the consumer group its members read in. */
export const ORDER_SERVICE = "order-service";
export const INVENTORY_SERVICE = "inventory-service";
export const PAYMENT_SERVICE = "payment-service";
export type Service = typeof ORDER_SERVICE | typeof INVENTORY_SERVICE | typeof PAYMENT_SERVICE;

/** Who adds each event. */
export const WRITER: Record<SagaEvent, Service> = {
  [ORDER_CREATED]: ORDER_SERVICE,
  [INVENTORY_RESERVED]: INVENTORY_SERVICE,
  [INVENTORY_INSUFFICIENT]: INVENTORY_SERVICE,
  [PAYMENT_SUCCEEDED]: PAYMENT_SERVICE,
  [PAYMENT_FAILED]: PAYMENT_SERVICE,
  [ORDER_CANCEL]: ORDER_SERVICE,
};

/** One consumer group per stream: the service that reacts to that event. */
export const READER: Record<SagaEvent, Service> = {
  [ORDER_CREATED]: INVENTORY_SERVICE,
  [INVENTORY_RESERVED]: PAYMENT_SERVICE,
  [INVENTORY_INSUFFICIENT]: ORDER_SERVICE,
  [PAYMENT_SUCCEEDED]: ORDER_SERVICE,
  [PAYMENT_FAILED]: ORDER_SERVICE,
  [ORDER_CANCEL]: INVENTORY_SERVICE,
};

export const isSagaEvent = (name: string): name is SagaEvent => (EVENTS as readonly string[]).includes(name);
export const channelIdOf = (event: SagaEvent) => `redis:${event}`;
export const streamOf = (event: SagaEvent): GroupStream => ({ name: event, channelId: channelIdOf(event) });
export const eventsReadBy = (service: Service): SagaEvent[] => EVENTS.filter((event) => READER[event] === service);

/** Each event happens once per saga: the order id and the event name it. */
export const eventId = (orderId: string, event: SagaEvent) => `${orderId}/${event}`;

/** Each service keeps its own state, a hash keyed by order id, beside the streams. */
export const STATE_OF: Record<Service, string> = {
  [ORDER_SERVICE]: "order-service:orders",
  [INVENTORY_SERVICE]: "inventory-service:reservations",
  [PAYMENT_SERVICE]: "payment-service:charges",
};

/** How a saga ended when a step failed, as the ledger counts it. */
export const COMPENSATED_PAYMENT_FAILED = "payment failed: reservation released, order cancelled";
export const COMPENSATED_INSUFFICIENT = "inventory insufficient: order rejected, nothing to release";
