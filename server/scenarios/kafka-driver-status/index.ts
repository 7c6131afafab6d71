import { defineScenario } from "../model";
import { DRIVER_APP, DRIVER_STATUS, DRIVER_STATUS_SETTINGS, LOCATION_SERVICE, RIDE_SERVICE } from "../shared/driver-status";
import { driverApp } from "./driver-app";
import { serviceLag } from "./gauges";
import { COMMIT_INTERVAL_MS, TOPIC_ID } from "./names";
import { driverStatusService } from "./service";

export const kafkaDriverStatus = defineScenario({
  id: "kafka-driver-status",
  title: "Driver status on Kafka",
  summary: `The driver app appends driver-status-changed to a topic, keyed by driver; ride-service and location-service each read it in a consumer group of their own and commit their offsets every ${COMMIT_INTERVAL_MS / 1000} s. Kafka keeps the records: a service that is down falls behind (its lag grows), and when it comes back it reads on from its committed offset and catches up. What it processed after its last commit is read again.`,
  pattern: "stream",
  roundTrip: "send → stored (acks=all)",
  publishLabel: "Announce status change",
  settings: DRIVER_STATUS_SETTINGS,
  roles: {
    [DRIVER_APP]: { description: `Appends to ${DRIVER_STATUS}`, program: driverApp, transport: "kafka", initial: 1, min: 1, max: 1, killable: false, publishes: true },
    [RIDE_SERVICE]: { description: `Group ${RIDE_SERVICE}: keeps the matching pool`, program: driverStatusService, transport: "kafka", initial: 1, min: 0, max: 2, killable: true },
    [LOCATION_SERVICE]: { description: `Group ${LOCATION_SERVICE}: tracks drivers`, program: driverStatusService, transport: "kafka", initial: 1, min: 0, max: 2, killable: true },
  },
  commands: [
    { type: "publish", description: "Announce one status change, or a burst of count" },
    { type: "add-actor", description: "Start a service again: it reads on from its group's committed offset" },
    { type: "kill-actor", description: "SIGKILL a service; Kafka keeps what it has not read" },
    { type: "set", description: "delayMs: each service's work per change" },
    { type: "reset", description: "Clear the ledger and the hop log" },
  ],
  channels: [{ id: TOPIC_ID, label: DRIVER_STATUS, kind: "partition" }],
  // Each group is a destination of its own: a record read again in the same group is a redelivery.
  delivery: { guarantee: "at-least-once", completesOn: ["processed"], exclusiveDelivery: true },
  gauges: { transport: "kafka", open: serviceLag },
  demo: { warmupMs: 8000, before: [{ count: 3 }], kill: { role: RIDE_SERVICE, afterMs: 800 }, after: [{ count: 3 }], settleMs: 3000 },
});
