import { defineScenario } from "../model";
import { DRIVER_CHANNEL, DRIVER_CHANNEL_ID, DRIVER_PATTERN } from "./names";
import { redisPublisher } from "./publisher";
import { redisSubscriber } from "./subscriber";

export const redisPubsub = defineScenario({
  id: "redis-pubsub",
  title: "Pub/sub broadcast",
  summary:
    "The user service publishes driver-status-changed; every subscriber listening at that moment gets a copy, on a dedicated subscriber connection beside its normal one. Nobody listening means the message is gone, a subscriber that joins later never sees earlier messages, and one that is down misses what is sent meanwhile.",
  pattern: "pub-sub",
  roundTrip: "PUBLISH → Redis answer",
  publishLabel: "Publish status",
  settings: {
    usePattern: { label: "Pattern subscribe (0/1)", unit: "", min: 0, max: 1, step: 1, default: 0 },
  },
  roles: {
    publisher: { description: `PUBLISHes on ${DRIVER_CHANNEL}`, program: redisPublisher, transport: "redis", initial: 1, min: 1, max: 1, killable: false, publishes: true },
    subscriber: { description: `SUBSCRIBEs to ${DRIVER_CHANNEL} (or PSUBSCRIBEs to ${DRIVER_PATTERN})`, program: redisSubscriber, transport: "redis", initial: 2, min: 0, max: 8, killable: true },
  },
  commands: [
    { type: "publish", description: "Publish one status change, or a burst of count" },
    { type: "add-actor", description: "Add a subscriber: it hears only what is published from now on" },
    { type: "kill-actor", description: "SIGKILL a subscriber; it misses what is published while down" },
    { type: "set", description: "usePattern 1 subscribes with PSUBSCRIBE driver-*" },
    { type: "reset", description: "Clear the ledger and the hop log" },
  ],
  channels: [{ id: DRIVER_CHANNEL_ID, label: DRIVER_CHANNEL, kind: "channel" }],
  // Nobody acknowledges a broadcast: it is settled when Redis says how many subscribers got it.
  delivery: { guarantee: "at-most-once", completesOn: ["confirmed"], audience: "subscriber" },
  demo: { before: [{ count: 3 }], kill: { role: "subscriber", afterMs: 800 }, after: [{ count: 3 }], settleMs: 2000 },
});
