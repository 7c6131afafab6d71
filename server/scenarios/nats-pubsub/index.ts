import { defineScenario, publishField } from "../model";
import { eventChannelId, ORDER_EVENTS } from "./names";
import { natsEventPublisher } from "./publisher";
import { natsEventSubscriber } from "./subscriber";

export const natsPubsub = defineScenario({
  id: "nats-pubsub",
  title: "Pub/sub events",
  summary:
    "The order service publishes order_created and order_status_updated; every subscriber listening at that moment gets its own copy (no queue group). A subscriber that joins later never sees earlier events, and one that is down misses what is sent meanwhile. NATS does not tell the publisher how many got it: the publish is settled when the server has taken it (a flush round trip), and only a message nobody at all had interest in comes back as 503.",
  pattern: "pub-sub",
  roundTrip: "publish → server flush (PING/PONG)",
  publishLabel: "Publish event",
  publishFields: [publishField("key", { label: "Event", options: [...ORDER_EVENTS], initial: ORDER_EVENTS[0] })],
  settings: {},
  roles: {
    publisher: { description: `Publishes ${ORDER_EVENTS.join(" and ")}`, program: natsEventPublisher, transport: "nats", initial: 1, min: 1, max: 1, killable: false, publishes: true },
    subscriber: { description: `Subscribes to ${ORDER_EVENTS.join(" and ")}, each copy its own`, program: natsEventSubscriber, transport: "nats", initial: 2, min: 0, max: 8, killable: true },
  },
  commands: [
    { type: "publish", description: `Publish one event, or a burst of count; key chooses ${ORDER_EVENTS.join(" or ")}` },
    { type: "add-actor", description: "Add a subscriber: it hears only what is published from now on" },
    { type: "kill-actor", description: "SIGKILL a subscriber; it misses what is published while down" },
    { type: "reset", description: "Clear the ledger and the hop log" },
  ],
  channels: ORDER_EVENTS.map((event) => ({ id: eventChannelId(event), label: event, kind: "subject" })),
  // Nobody acknowledges an event: it is settled once the server has it, or dropped on a 503.
  delivery: { guarantee: "at-most-once", completesOn: ["confirmed"], audience: "subscriber" },
  demo: { before: [{ count: 2 }, { count: 2, key: "order_status_updated" }], kill: { role: "subscriber", afterMs: 800 }, after: [{ count: 2 }], settleMs: 2000 },
});
