import { INVENTORY_INSUFFICIENT, INVENTORY_RESERVED, INVENTORY_SERVICE, ORDER_CANCEL, ORDER_CREATED } from "./names";
import { reactingService } from "./service";

const RESERVED = "reserved";
const INSUFFICIENT = "insufficient";

/**
 * The inventory service: reserves an order's items (or finds too few), and releases them when the
 * order is cancelled. Its reservations live in Redis, so whichever member hears of the cancel
 * can release what another reserved.
 */
export const inventoryService = reactingService<"insufficientRate">(INVENTORY_SERVICE, async (event, body, { self, decide }, settings) => {
  if (event === ORDER_CANCEL) return { state: "released" };
  if (event !== ORDER_CREATED) return {};
  const { orderId, items } = body;
  const outcome = await decide(orderId, () => (Math.random() < settings.insufficientRate ? INSUFFICIENT : RESERVED));
  if (outcome === INSUFFICIENT) return { next: { event: INVENTORY_INSUFFICIENT, body: { orderId, items, reason: "not enough stock" } } };
  return { next: { event: INVENTORY_RESERVED, body: { orderId, items, amount: body.amount, reservedBy: self } } };
});
