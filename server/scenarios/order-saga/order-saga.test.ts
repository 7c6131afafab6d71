import { describe, expect, test } from "vitest";
import { castOf } from "../../../lib/cast";
import { hops } from "../../../lib/fixtures";
import { ledgerOf } from "../../../lib/ledger";
import type { ActorState } from "../../../lib/protocol";
import { layoutSequence } from "../../../lib/sequence";
import { assembleTraces, hopDeltas } from "../../../lib/traces";
import { orderSaga } from "./index";
import { channelIdOf, COMPENSATED_PAYMENT_FAILED, eventId, type SagaEvent } from "./names";

const actor = (id: string, role: string): ActorState => ({ id, role, pid: 1, alive: true, connected: true });
const actors = [actor("payment-service-1", "payment-service"), actor("inventory-service-2", "inventory-service"), actor("order-service-1", "order-service"), actor("inventory-service-1", "inventory-service")];

/**
 * One saga whose payment fails, as its services report it: each step's member is delivered the
 * event it reacts to, publishes the next, and acks.
 */
const STEPS: [member: string, reads: SagaEvent | null, adds: SagaEvent | null][] = [
  ["order-service-1", null, "order.created"],
  ["inventory-service-1", "order.created", "inventory.reserved"],
  ["payment-service-1", "inventory.reserved", "payment.failed"],
  ["order-service-1", "payment.failed", "order.cancel"],
  ["inventory-service-2", "order.cancel", null],
];
const compensated = (orderId: string) => {
  const line = (kind: string, from: string, to: string, event: SagaEvent) => `${kind} ${from}>${to} ${eventId(orderId, event)} trace=${orderId} dest=${event} broker=redis`;
  const lines = STEPS.flatMap(([member, reads, adds]) => [
    ...(reads ? [line("delivered", channelIdOf(reads), member, reads)] : []),
    ...(adds ? [line("published", member, channelIdOf(adds), adds)] : []),
    ...(reads ? [line("acked", member, channelIdOf(reads), reads)] : []),
  ]);
  return hops(lines.join("\n"), orderSaga.info.id);
};

describe("order-saga's declaration", () => {
  test("its sequence reads as the saga's timeline: order service, the streams in saga order, inventory, payment", () => {
    const trace = compensated("o1");
    const used = new Set(trace.flatMap((h) => ("message" in h ? [h.from, h.to] : [])));
    const cast = castOf(orderSaga.info, actors, trace).filter((m) => m.kind === "actor" || used.has(m.id));
    const layout = layoutSequence(cast, trace, hopDeltas(trace));
    expect(layout.lanes.map((l) => l.id)).toEqual([
      "order-service-1",
      "redis:order.created",
      "redis:inventory.reserved",
      "redis:payment.failed",
      "redis:order.cancel",
      "inventory-service-1",
      "inventory-service-2",
      "payment-service-1",
    ]);
    // One arrow per hop, down the page in the order they happened.
    expect(layout.arrows.map((a) => a.seq)).toEqual(trace.map((h) => h.seq));
    expect(layout.arrows.every((a, i) => i === 0 || a.y > layout.arrows[i - 1]!.y)).toBe(true);
  });

  test("its ledger counts one compensated saga, with its reason, and the trace says so", () => {
    const trace = compensated("o2");
    expect(ledgerOf(trace, orderSaga.ledgerRules)).toMatchObject({ unit: "saga", published: 1, completed: 0, compensated: 1, compensatedReasons: { [COMPENSATED_PAYMENT_FAILED]: 1 }, lost: 0, inFlight: 0 });
    expect(assembleTraces(trace, orderSaga.info).get("o2")).toMatchObject({ status: "compensated", reason: COMPENSATED_PAYMENT_FAILED });
  });
});
