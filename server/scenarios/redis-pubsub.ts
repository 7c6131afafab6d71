import { z } from "zod";
import type { ScenarioDefinition } from "./definition";

/** From the seeds: a driver goes on or off duty and every interested service hears of it. */
export const DRIVER_CHANNEL = "driver-status-changed";
export const DRIVER_PATTERN = "driver-*";
export const DRIVER_CHANNEL_ID = `redis:${DRIVER_CHANNEL}`;
export const DROP_NO_SUBSCRIBERS = "no subscribers: at-most-once, expected";

export const redisPubsub: ScenarioDefinition = {
  info: {
    id: "redis-pubsub",
    title: "Pub/sub broadcast",
    summary:
      "The user service publishes driver-status-changed; every subscriber listening at that moment gets a copy, on a dedicated subscriber connection beside its normal one. Nobody listening means the message is gone, a subscriber that joins later never sees earlier messages, and one that is down misses what is sent meanwhile.",
    pattern: "pub-sub",
    broker: "redis",
    guarantee: "at-most-once",
    roundTrip: "PUBLISH → Redis answer",
    publishLabel: "Publish status",
    roles: [
      { name: "publisher", description: `PUBLISHes on ${DRIVER_CHANNEL}`, min: 1, max: 1, killable: false },
      { name: "subscriber", description: `SUBSCRIBEs to ${DRIVER_CHANNEL} (or PSUBSCRIBEs to ${DRIVER_PATTERN})`, min: 0, max: 8, killable: true },
    ],
    commands: [
      { type: "publish", description: "Publish one status change, or a burst of count" },
      { type: "add-actor", description: "Add a subscriber: it hears only what is published from now on" },
      { type: "kill-actor", description: "SIGKILL a subscriber; it misses what is published while down" },
      { type: "set", description: "usePattern 1 subscribes with PSUBSCRIBE driver-*" },
      { type: "reset", description: "Clear the ledger and the hop log" },
    ],
    settings: [{ name: "usePattern", label: "Pattern subscribe (0/1)", unit: "", min: 0, max: 1, step: 1 }],
    channels: [{ id: DRIVER_CHANNEL_ID, label: DRIVER_CHANNEL, kind: "channel" }],
  },
  programs: { publisher: "redis-publisher", subscriber: "redis-subscriber" },
  publisherRole: "publisher",
  initialActors: [
    { role: "publisher", count: 1 },
    { role: "subscriber", count: 2 },
  ],
  defaults: { usePattern: 0 },
  settingsSchema: z.object({ usePattern: z.number().int().min(0).max(1) }).partial().strict(),
  // Nobody acknowledges a broadcast: it is settled when Redis says how many subscribers got it.
  completesOn: ["confirmed"],
  audienceRole: "subscriber",
};
