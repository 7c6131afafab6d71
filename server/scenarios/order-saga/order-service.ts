import { now, messageIds, type ActorProgram } from "../../actors/runtime";
import { channelIdOf, INVENTORY_INSUFFICIENT, ORDER_CANCEL, ORDER_CREATED, ORDER_SERVICE, PAYMENT_FAILED, PAYMENT_SUCCEEDED, STATE_OF } from "./names";
import { describeEvent, entryFields, joinSaga } from "./service";

const CUSTOMERS = ["ada", "grace", "linus", "margaret"];

function sampleOrder(n: number): Record<string, unknown> {
  return { customer: CUSTOMERS[n % CUSTOMERS.length], items: [{ sku: `sku-${100 + (n % 7)}`, quantity: 1 + (n % 3) }], amount: 19 + ((n * 7) % 80) };
}

/** The presenter's payload is the order; text that is not an object becomes its note. */
function orderOf(payload: unknown, n: number): Record<string, unknown> {
  if (payload === undefined) return sampleOrder(n);
  return typeof payload === "object" && payload !== null ? { ...payload } : { note: String(payload) };
}

/**
 * The order service: it creates each order and announces it, which starts the saga, and settles
 * it on the outcome: complete after a payment, cancelled (and inventory told to release) after
 * a failed one, rejected when inventory had too little. One process drives the scenario, so it
 * is not killed; the services it waits on are.
 */
export const orderService: ActorProgram<"minIdleMs"> = async (ctx) => {
  const self = ctx.spec.id;
  const member = await joinSaga(ctx, {
    service: ORDER_SERVICE,
    // Marking an order is bookkeeping: the work the presenter tunes is inventory's and payment's.
    workMs: () => 0,
    async react(event, { orderId }) {
      switch (event) {
        case PAYMENT_SUCCEEDED:
          return { state: "completed" };
        case PAYMENT_FAILED:
          return { state: "cancelled", next: { event: ORDER_CANCEL, body: { orderId, reason: "payment failed" } } };
        case INVENTORY_INSUFFICIENT:
          return { state: "rejected" };
        default:
          return {};
      }
    },
  });
  const nextId = messageIds();
  const orders = ctx.names.redis(STATE_OF[ORDER_SERVICE]);
  const created = ctx.names.redis(ORDER_CREATED);

  return {
    async handle(command) {
      if (command.type !== "publish") return null;
      const orderIds: string[] = [];
      for (let i = 0; i < command.count; i++) {
        const { id: orderId, n } = nextId();
        const { payload, fields } = entryFields(orderId, ORDER_CREATED, { ...orderOf(command.payload, n), orderId });
        const publishedAt = now();
        // Created and announced at once: no order is pending without its event, nor the reverse.
        const results = await member.commands.multi().hset(orders, orderId, "pending").xadd(created, "*", ...fields).exec();
        const [error, entryId] = results?.[1] ?? [new Error("the transaction was discarded"), null];
        if (error) throw error;
        const message = { ...describeEvent(orderId, ORDER_CREATED, payload), ...(typeof entryId === "string" ? { offset: entryId } : {}) };
        ctx.emit({ kind: "published", from: self, to: channelIdOf(ORDER_CREATED), message, at: publishedAt, rttMs: now() - publishedAt });
        orderIds.push(orderId);
      }
      return { messageIds: orderIds };
    },
    async close() {
      member.close();
    },
  };
};
