import { corePublisher } from "../shared/nats-core-publisher";
import { DROP_NO_WORKERS, RESERVE_CHANNEL_ID, RESERVE_SUBJECT } from "./names";

/** The order service asks for stock to be reserved; whichever inventory worker is free does it. */
export const natsReservePublisher = corePublisher({
  subjectFor: () => RESERVE_SUBJECT,
  channelOf: () => RESERVE_CHANNEL_ID,
  samplePayload: (n) => ({ orderId: `order-${n}`, items: [{ productId: `sku-${100 + (n % 7)}`, quantity: 1 + (n % 3) }] }),
  noInterestReason: DROP_NO_WORKERS,
});
