import { corePublisher } from "../shared/nats-core-publisher";
import { DROP_NO_SUBSCRIBERS, eventChannelId, orderEventSchema, ORDER_EVENTS } from "./names";

const STATUSES = ["confirmed", "shipped", "delivered"];

/** The order service tells everyone interested that an order was created or changed status. */
export const natsEventPublisher = corePublisher({
  subjectFor: (key) => {
    if (key === undefined || key === "") return ORDER_EVENTS[0];
    const event = orderEventSchema.safeParse(key);
    if (!event.success) throw new Error(`key: no event "${key}"; choose ${ORDER_EVENTS.join(" or ")}`);
    return event.data;
  },
  channelOf: eventChannelId,
  samplePayload: (n, subject) => {
    const items = [{ productId: `sku-${100 + (n % 7)}`, quantity: 1 + (n % 3) }];
    return subject === "order_status_updated" ? { orderId: `order-${n}`, status: STATUSES[n % STATUSES.length], items } : { orderId: `order-${n}`, items };
  },
  noInterestReason: DROP_NO_SUBSCRIBERS,
});
