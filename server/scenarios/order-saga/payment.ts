import { INVENTORY_RESERVED, PAYMENT_FAILED, PAYMENT_SERVICE, PAYMENT_SUCCEEDED } from "./names";
import { reactingService } from "./service";

const CHARGED = "charged";
const DECLINED = "declined";

/** The payment service: charges an order whose items are reserved, and says how it went. */
export const paymentService = reactingService<"paymentFailRate">(PAYMENT_SERVICE, async (event, body, { self, decide }, settings) => {
  if (event !== INVENTORY_RESERVED) return {};
  const { orderId, amount } = body;
  const outcome = await decide(orderId, () => (Math.random() < settings.paymentFailRate ? DECLINED : CHARGED));
  if (outcome === DECLINED) return { next: { event: PAYMENT_FAILED, body: { orderId, amount, reason: "card declined" } } };
  return { next: { event: PAYMENT_SUCCEEDED, body: { orderId, amount, chargedBy: self } } };
});
