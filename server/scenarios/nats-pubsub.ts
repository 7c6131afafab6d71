import { z } from "zod";
import type { ScenarioDefinition } from "./definition";

/**
 * From the seeds: the order service emits these two events and the inventory service listens.
 * They are subjects of their own, outside orders.>, which the JetStream scenario's stream captures.
 */
export const ORDER_EVENTS = ["order_created", "order_status_updated"] as const;
export type OrderEvent = (typeof ORDER_EVENTS)[number];
export const orderEventSchema = z.enum(ORDER_EVENTS);
export const eventChannelId = (event: string) => `nats:${event}`;

export const DROP_NO_SUBSCRIBERS = "no subscribers: NATS discarded it (503 no interest); at-most-once, expected";

export const natsPubsub: ScenarioDefinition = {
  info: {
    id: "nats-pubsub",
    title: "Pub/sub events",
    summary:
      "The order service publishes order_created and order_status_updated; every subscriber listening at that moment gets its own copy (no queue group). A subscriber that joins later never sees earlier events, and one that is down misses what is sent meanwhile. NATS does not tell the publisher how many got it: the publish is settled when the server has taken it (a flush round trip), and only a message nobody at all had interest in comes back as 503.",
    pattern: "pub-sub",
    broker: "nats",
    guarantee: "at-most-once",
    roundTrip: "publish → server flush (PING/PONG)",
    publishLabel: "Publish event",
    publishFields: [{ name: "key", label: "Event", options: [...ORDER_EVENTS], initial: ORDER_EVENTS[0] }],
    roles: [
      { name: "publisher", description: `Publishes ${ORDER_EVENTS.join(" and ")}`, min: 1, max: 1, killable: false },
      { name: "subscriber", description: `Subscribes to ${ORDER_EVENTS.join(" and ")}, each copy its own`, min: 0, max: 8, killable: true },
    ],
    commands: [
      { type: "publish", description: `Publish one event, or a burst of count; key chooses ${ORDER_EVENTS.join(" or ")}` },
      { type: "add-actor", description: "Add a subscriber: it hears only what is published from now on" },
      { type: "kill-actor", description: "SIGKILL a subscriber; it misses what is published while down" },
      { type: "reset", description: "Clear the ledger and the hop log" },
    ],
    settings: [],
    channels: ORDER_EVENTS.map((event) => ({ id: eventChannelId(event), label: event, kind: "subject" })),
  },
  programs: { publisher: "nats-event-publisher", subscriber: "nats-event-subscriber" },
  publisherRole: "publisher",
  initialActors: [
    { role: "publisher", count: 1 },
    { role: "subscriber", count: 2 },
  ],
  defaults: {},
  settingsSchema: z.object({}).strict(),
  // Nobody acknowledges an event: it is settled once the server has it, or dropped on a 503.
  completesOn: ["confirmed"],
  audienceRole: "subscriber",
};
