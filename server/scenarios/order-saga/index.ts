import { defineScenario } from "../model";
import { CLAIM_AFTER_IDLE, streamGroupFateSource } from "../shared/redis-stream-group";
import { sagaGauges } from "./gauges";
import { inventoryService } from "./inventory";
import { channelIdOf, COMPENSATED_INSUFFICIENT, COMPENSATED_PAYMENT_FAILED, EVENTS, eventsReadBy, INVENTORY_INSUFFICIENT, INVENTORY_RESERVED, INVENTORY_SERVICE, isSagaEvent, ORDER_CANCEL, ORDER_CREATED, ORDER_SERVICE, PAYMENT_SERVICE, PAYMENT_SUCCEEDED, READER, WRITER, type Service } from "./names";
import { orderService } from "./order-service";
import { paymentService } from "./payment";

/** One leg per service, in the order a saga reaches them: the events it reads, each promised at least once. */
const legOf = (service: Service) => ({ name: service.replace("-service", ""), guarantee: "at-least-once" as const, destinations: eventsReadBy(service) });

export const orderSaga = defineScenario({
  id: "order-saga",
  title: "Order saga",
  summary:
    "An order spans three services that share no transaction, only Redis streams. The order service adds order.created; inventory reserves and answers inventory.reserved or inventory.insufficient; payment charges and answers payment.succeeded or payment.failed. A failed payment is undone step by step: the order service adds order.cancel and inventory releases what it reserved. Each service reads its streams in a consumer group of its own and acks an event in the same atomic step that adds the next. Kill an inventory or payment member mid-saga: what it held stays pending and a colleague claims it after the idle time. Every saga ends completed or compensated; none is stuck.",
  pattern: "story",
  roundTrip: "XADD order.created → Redis answer",
  publishLabel: "Place order",
  settings: {
    delayMs: { label: "Inventory and payment work per event", unit: "ms", min: 0, max: 60_000, step: 10, default: 200 },
    insufficientRate: { label: "Insufficient inventory rate", unit: "0–1", min: 0, max: 1, step: 0.05, default: 0.1 },
    paymentFailRate: { label: "Payment failure rate", unit: "0–1", min: 0, max: 1, step: 0.05, default: 0.2 },
    minIdleMs: CLAIM_AFTER_IDLE,
  },
  roles: {
    [ORDER_SERVICE]: {
      description: `Creates orders (XADD ${ORDER_CREATED}); in group ${ORDER_SERVICE} it completes, cancels or rejects each on the outcome`,
      program: orderService,
      transport: "redis",
      initial: 1,
      min: 1,
      max: 1,
      killable: false,
      publishes: true,
    },
    [INVENTORY_SERVICE]: { description: `Reserves on ${ORDER_CREATED}, releases on ${ORDER_CANCEL}; a consumer in group ${INVENTORY_SERVICE}`, program: inventoryService, transport: "redis", initial: 2, min: 0, max: 6, killable: true },
    [PAYMENT_SERVICE]: { description: `Charges on ${INVENTORY_RESERVED}; a consumer in group ${PAYMENT_SERVICE}`, program: paymentService, transport: "redis", initial: 2, min: 0, max: 6, killable: true },
  },
  commands: [
    { type: "publish", description: "Place one order, or a burst of count: each starts a saga" },
    { type: "add-actor", description: "Add an inventory or payment member to its group" },
    { type: "kill-actor", description: "SIGKILL an inventory or payment member; its pending events wait for a colleague's claim" },
    { type: "set", description: "Change delayMs, insufficientRate, paymentFailRate or minIdleMs (claim after)" },
    { type: "reset", description: "Clear the ledger and the hop log" },
  ],
  channels: EVENTS.map((event) => ({ id: channelIdOf(event), label: event, kind: "stream" })),
  links: EVENTS.flatMap((event) => [
    { from: `role:${WRITER[event]}`, to: channelIdOf(event) },
    { from: channelIdOf(event), to: `role:${READER[event]}` },
  ]),
  delivery: {
    guarantee: "at-least-once",
    // A dead member's last hops die with it; its group's pending list says what became of what it held.
    fates: streamGroupFateSource((delivery) => {
      const event = delivery.message.destination;
      return isSagaEvent(event) ? { stream: event, group: READER[event] } : null;
    }),
    legs: [legOf(INVENTORY_SERVICE), legOf(PAYMENT_SERVICE), legOf(ORDER_SERVICE)],
    unit: {
      name: "saga",
      completesWhenAll: [PAYMENT_SUCCEEDED],
      endsOnDropIn: [],
      compensatedOn: { [ORDER_CANCEL]: COMPENSATED_PAYMENT_FAILED, [INVENTORY_INSUFFICIENT]: COMPENSATED_INSUFFICIENT },
    },
  },
  gauges: { transport: "redis", open: sagaGauges },
  demo: {
    settings: { delayMs: 500, insufficientRate: 0.15, paymentFailRate: 0.35, minIdleMs: 1_000 },
    before: [{ count: 6 }],
    kill: { role: INVENTORY_SERVICE, afterMs: 700 },
    settleMs: 9_000,
  },
});
