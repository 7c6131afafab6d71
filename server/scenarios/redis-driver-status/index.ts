import { defineScenario } from "../model";
import { DRIVER_APP, DRIVER_STATUS, DRIVER_STATUS_SETTINGS, LOCATION_SERVICE, RIDE_SERVICE } from "../shared/driver-status";
import { driverApp } from "./driver-app";
import { CHANNEL_ID, HELD_WHEN_KILLED } from "./names";
import { driverStatusService } from "./service";

export const redisDriverStatus = defineScenario({
  id: "redis-driver-status",
  title: "Driver status on Redis pub/sub",
  summary:
    "The driver app announces driver-status-changed; ride-service and location-service each hear it on a subscribed connection and keep their own view of the drivers on a second one. Redis stores nothing: a service that is down misses what is sent meanwhile, and after a restart it hears only what comes next. Fire and forget, for news that is fine to miss.",
  pattern: "pub-sub",
  roundTrip: "PUBLISH → Redis answer",
  publishLabel: "Announce status change",
  settings: DRIVER_STATUS_SETTINGS,
  roles: {
    [DRIVER_APP]: { description: `PUBLISHes on ${DRIVER_STATUS}`, program: driverApp, transport: "redis", initial: 1, min: 1, max: 1, killable: false, publishes: true },
    [RIDE_SERVICE]: { description: "Keeps the matching pool of available drivers", program: driverStatusService, transport: "redis", initial: 1, min: 0, max: 2, killable: true },
    [LOCATION_SERVICE]: { description: "Starts and stops tracking drivers", program: driverStatusService, transport: "redis", initial: 1, min: 0, max: 2, killable: true },
  },
  commands: [
    { type: "publish", description: "Announce one status change, or a burst of count" },
    { type: "add-actor", description: "Start a service again: it hears only what is published from now on" },
    { type: "kill-actor", description: "SIGKILL a service; it misses what is published while it is down" },
    { type: "set", description: "delayMs: each service's work per change" },
    { type: "reset", description: "Clear the ledger and the hop log" },
  ],
  channels: [{ id: CHANNEL_ID, label: DRIVER_STATUS, kind: "channel" }],
  // Settled by Redis's answer; each service's copy is its own, and a service down misses its copy.
  delivery: {
    guarantee: "at-most-once",
    completesOn: ["confirmed"],
    audience: [RIDE_SERVICE, LOCATION_SERVICE],
    kills: { [RIDE_SERVICE]: { drop: HELD_WHEN_KILLED }, [LOCATION_SERVICE]: { drop: HELD_WHEN_KILLED } },
  },
  demo: { before: [{ count: 3 }], kill: { role: RIDE_SERVICE, afterMs: 800 }, after: [{ count: 3 }], settleMs: 2000 },
});
