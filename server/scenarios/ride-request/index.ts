import { z } from "zod";
import { listening, type ActorProgram } from "../../actors/runtime";
import { connectNats } from "../../brokers/nats";
import { defineScenario, publishField } from "../model";
import { answerInQueueGroup } from "../shared/nats-request-reply";
import { storyFront, storyJobWorker, storyPublishCheck, storySubscriber, type StoryPlan } from "../shared/story";
import { DRIVER_STATUS, followDrivers, prepareRoster, STATUS_CHANNEL, STATUS_CHANNEL_ID } from "./drivers";

/** Seed 000, example 2: a rider requests a ride. */
const NEARBY_SUBJECT = "drivers.nearby";
const NEARBY_CHANNEL_ID = `nats:${NEARBY_SUBJECT}`;
const NEARBY_GROUP = "location-service";
const NOTIFY_CHANNEL = "driver-notifications";
const NOTIFY_CHANNEL_ID = `redis:${NOTIFY_CHANNEL}`;
/** The seed's `analytics` queue, with a prefix no other scenario uses. */
const ANALYTICS_QUEUE = "rides.analytics";
const ANALYTICS_CHANNEL_ID = `rabbitmq:${ANALYTICS_QUEUE}`;

const DROP_NO_DRIVERS = "no drivers available nearby";
const RIDE = "ride";
const DRIVER_TOGGLE = "driver toggle";

const PLAN: StoryPlan = {
  steps: [
    { step: "request", subject: NEARBY_SUBJECT, queueGroup: NEARBY_GROUP, channelId: NEARBY_CHANNEL_ID, noResponders: "no location service (503)", timedOut: "drivers.nearby timed out after retries", refusal: (reply) => (((reply as { drivers?: unknown } | null)?.drivers ?? 0) === 0 ? DROP_NO_DRIVERS : null), body: (ride) => ride.data.location },
    { step: "broadcast", channel: NOTIFY_CHANNEL, channelId: NOTIFY_CHANNEL_ID, event: "ride_request", idField: "rideId", payload: (ride) => ({ location: ride.data.location }), noSubscribers: "no driver app listening (PUBLISH answered 0)" },
    { step: "jobs", jobs: [{ queue: ANALYTICS_QUEUE, channelId: ANALYTICS_CHANNEL_ID, name: "ride_requested", payload: (ride) => ({ event: "ride_requested", rideId: ride.id, userId: ride.data.userId, timestamp: new Date().toISOString() }) }] },
  ],
  actionKey: RIDE,
  events: { [DRIVER_TOGGLE]: DRIVER_STATUS },
  prepare: prepareRoster,
  queues: [ANALYTICS_QUEUE],
  sample: (_id, n) => ({ userId: `rider-${1 + (n % 5)}`, location: { lat: 52.52 + (n % 10) / 1000, lng: 13.4 + (n % 7) / 1000, radius: 5 } }),
  payload: z.object({
    userId: z.string().min(1).max(64),
    location: z.object({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180), radius: z.number().positive().max(500) }),
  }),
  frontLeft: "the ride API went away mid-request: its remaining steps never ran",
};

/**
 * Answers drivers.nearby from the roster it follows; with no driver available, the ride stops.
 * Three connections: NATS for the questions, and Redis twice for the roster.
 */
const locationService: ActorProgram<"lookupDelayMs"> = async (ctx) => {
  const drivers = await followDrivers(ctx, ["nats"]);
  const nc = await connectNats({ url: ctx.urlOf("nats"), name: ctx.spec.id, onConnectedChange: drivers.onConnected("nats") });
  await answerInQueueGroup(ctx, nc, {
    subject: NEARBY_SUBJECT,
    queueGroup: NEARBY_GROUP,
    channelId: NEARBY_CHANNEL_ID,
    delayMs: () => ctx.settings.lookupDelayMs,
    answer: () => {
      const available = drivers.available();
      return available > 0 ? { reply: { drivers: available, answeredBy: ctx.spec.id } } : { reply: { drivers: 0 }, reason: DROP_NO_DRIVERS };
    },
  });
  return listening(async () => {
    drivers.close();
    await nc.drain();
  });
};

/** Keeps the availability it would match riders with; it only listens here. */
const rideService: ActorProgram = async (ctx) => {
  const drivers = await followDrivers(ctx);
  return listening(() => drivers.close());
};

export const rideRequest = defineScenario({
  id: "ride-request",
  title: "Request a ride",
  summary:
    "A ride asks the location service over NATS for drivers nearby and waits: with none available, the ride stops there. Then every driver app hears of it on Redis, and an analytics job is queued on RabbitMQ, where it must not be lost. The driver toggle writes a driver's availability and announces it on driver-status-changed; the ride service and the location service each follow it over two Redis connections, one subscribed and one for commands. Turn every driver off and watch rides stop.",
  pattern: "story",
  roundTrip: "drivers.nearby → answer",
  publishLabel: "Request ride",
  settings: {
    lookupDelayMs: { label: "Driver lookup time", unit: "ms", min: 0, max: 60_000, step: 10, default: 30 },
    timeoutMs: { label: "Lookup timeout", unit: "ms", min: 50, max: 60_000, step: 50, default: 1_000 },
    retries: { label: "Lookup retries", unit: "", min: 0, max: 10, step: 1, default: 2 },
    jobDelayMs: { label: "Analytics job time", unit: "ms", min: 0, max: 60_000, step: 10, default: 150 },
  },
  roles: {
    "ride-api": { description: "Asks drivers.nearby over NATS, notifies drivers on Redis, queues analytics on RabbitMQ; the driver toggle writes the roster and announces it", program: storyFront(PLAN), transport: "nats", alsoSpeaks: ["redis", "rabbitmq"], initial: 1, min: 1, max: 1, killable: false, publishes: true },
    "location-service": { description: `Answers ${NEARBY_SUBJECT} from the driver roster it follows on ${STATUS_CHANNEL}`, program: locationService, transport: "redis", alsoSpeaks: ["nats"], initial: 2, min: 0, max: 6, killable: true },
    "ride-service": { description: `Follows ${STATUS_CHANNEL} over two Redis connections: subscriber and commands`, program: rideService, transport: "redis", initial: 1, min: 0, max: 4, killable: true },
    "driver-app": { description: `A driver's phone: listens on the Redis channel ${NOTIFY_CHANNEL}`, program: storySubscriber({ channel: NOTIFY_CHANNEL, channelId: NOTIFY_CHANNEL_ID, idField: "rideId" }), transport: "redis", initial: 2, min: 0, max: 6, killable: true },
    "analytics-worker": { description: "Records ride_requested jobs one at a time with manual acks", program: storyJobWorker(ANALYTICS_QUEUE, ANALYTICS_CHANNEL_ID, PLAN.queues), transport: "rabbitmq", initial: 2, min: 0, max: 4, killable: true },
  },
  commands: [
    { type: "publish", description: `Request one ride, or a burst of count; key "${DRIVER_TOGGLE}" flips a driver's availability instead (payload { driverId, available } to choose)` },
    { type: "add-actor", description: "Add a location service, a ride service, a driver app or an analytics worker" },
    { type: "kill-actor", description: "SIGKILL a location service (its lookups time out and are retried), a driver app (it misses rides) or an analytics worker (its jobs are redelivered)" },
    { type: "set", description: "Change lookupDelayMs, timeoutMs, retries or jobDelayMs" },
    { type: "reset", description: "Clear the ledger and the hop log" },
  ],
  publishFields: [publishField("key", { label: "Action", options: [RIDE, DRIVER_TOGGLE], initial: RIDE })],
  channels: [
    { id: NEARBY_CHANNEL_ID, label: NEARBY_SUBJECT, kind: "subject" },
    { id: NOTIFY_CHANNEL_ID, label: NOTIFY_CHANNEL, kind: "channel" },
    { id: ANALYTICS_CHANNEL_ID, label: "analytics", kind: "queue" },
    { id: STATUS_CHANNEL_ID, label: STATUS_CHANNEL, kind: "channel" },
  ],
  links: [
    { from: "role:ride-api", to: NEARBY_CHANNEL_ID },
    { from: NEARBY_CHANNEL_ID, to: "role:location-service" },
    { from: "role:ride-api", to: NOTIFY_CHANNEL_ID },
    { from: NOTIFY_CHANNEL_ID, to: "role:driver-app" },
    { from: "role:ride-api", to: ANALYTICS_CHANNEL_ID },
    { from: ANALYTICS_CHANNEL_ID, to: "role:analytics-worker" },
    { from: "role:ride-api", to: STATUS_CHANNEL_ID },
    { from: STATUS_CHANNEL_ID, to: "role:ride-service" },
    { from: STATUS_CHANNEL_ID, to: "role:location-service" },
  ],
  checkPublish: storyPublishCheck(PLAN),
  delivery: {
    guarantee: "at-least-once",
    kills: { "analytics-worker": { requeue: true } },
    audience: "driver-app",
    audienceHears: NOTIFY_CHANNEL,
    // Driver status changes are drawn, not counted: the ledger counts rides.
    legs: [
      { name: "lookup", guarantee: "at-most-once", destinations: [NEARBY_SUBJECT] },
      { name: "notify", guarantee: "at-most-once", destinations: [NOTIFY_CHANNEL], completesOn: ["confirmed"] },
      { name: "analytics", guarantee: "at-least-once", destinations: [ANALYTICS_QUEUE] },
    ],
    unit: { name: "ride", completesWhenAll: [ANALYTICS_QUEUE], endsOnDropIn: ["lookup"] },
  },
  demo: {
    settings: { lookupDelayMs: 150, timeoutMs: 700, retries: 2, jobDelayMs: 500 },
    before: [{ count: 4 }, { count: 1, key: DRIVER_TOGGLE }],
    kill: { role: "analytics-worker", afterMs: 1_000 },
    after: [{ count: 2 }],
    settleMs: 6_000,
  },
});
