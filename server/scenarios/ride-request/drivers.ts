/**
 * Seed 002's driver availability: the roster lives in Redis, and every change is announced on
 * `driver-status-changed` as `{ driverId, available, timestamp }`. A service that follows it
 * needs two connections: one subscribed (it can run nothing else while subscribed) and one for
 * commands, to read the roster it then keeps up to date.
 */
import type { Redis } from "ioredis";
import { z } from "zod";
import { describeMessage, type ActorContext } from "../../actors/runtime";
import type { Namespace } from "../../brokers/namespace";
import { createRedis, ready } from "../../brokers/redis";
import { connectionTracker, type StoryEvent } from "../shared/story";

export const STATUS_CHANNEL = "driver-status-changed";
export const STATUS_CHANNEL_ID = `redis:${STATUS_CHANNEL}`;
/** The roster: driver id → "1" (available) or "0". */
const ROSTER_KEY = "drivers:available";
export const DRIVERS = ["driver-1", "driver-2", "driver-3"] as const;

/** Every driver starts available, unless an earlier run already said otherwise. */
export async function prepareRoster(redis: Redis, names: Namespace): Promise<void> {
  for (const driver of DRIVERS) await redis.hsetnx(names.redis(ROSTER_KEY), driver, "1");
}

/**
 * The driver toggle: flips one driver (the payload's `driverId`, or the next in turn) and says
 * so. The fact is written first: a service that (re)starts reads it from the roster.
 */
export const DRIVER_STATUS: StoryEvent = {
  payload: z.object({ driverId: z.string().min(1).max(64).optional(), available: z.boolean().optional() }),
  broadcast: { step: "broadcast", channel: STATUS_CHANNEL, channelId: STATUS_CHANNEL_ID, event: "driver_status_changed", idField: "statusId", noSubscribers: "no service follows driver status (PUBLISH answered 0)" },
  async record(redis, names, n, given) {
    const named = typeof given?.driverId === "string" && given.driverId.length <= 64 ? given.driverId : undefined;
    const driverId = named ?? DRIVERS[n % DRIVERS.length] ?? DRIVERS[0];
    const available = typeof given?.available === "boolean" ? given.available : (await redis.hget(names.redis(ROSTER_KEY), driverId)) !== "1";
    await redis.hset(names.redis(ROSTER_KEY), driverId, available ? "1" : "0");
    return { driverId, available, timestamp: new Date().toISOString() };
  },
};

/**
 * Follows driver availability for a service: the roster read on its commands connection, then
 * every change heard on its subscriber connection, each reported as delivered to it.
 */
export async function followDrivers(ctx: ActorContext<string>, otherConnections: readonly string[] = []): Promise<{ available: () => number; onConnected: (name: string) => (connected: boolean) => void; close: () => void }> {
  const self = ctx.spec.id;
  const onConnected = connectionTracker(ctx, ["subscriber", "commands", ...otherConnections]);
  const commands = createRedis({ url: ctx.spec.brokerUrl, name: `${self}-commands`, onConnectedChange: onConnected("commands") });
  const subscriber = createRedis({ url: ctx.spec.brokerUrl, name: `${self}-subscriber`, onConnectedChange: onConnected("subscriber") });
  await Promise.all([ready(commands), ready(subscriber)]);
  const roster = new Map<string, boolean>();
  subscriber.on("message", (_channel: string, body: string) => {
    let event: { driverId?: unknown; available?: unknown; statusId?: unknown; messageId?: unknown } = {};
    try {
      event = JSON.parse(body) as typeof event;
    } catch {
      return;
    }
    if (typeof event.driverId !== "string" || typeof event.available !== "boolean") return;
    roster.set(event.driverId, event.available);
    if (typeof event.messageId !== "string" || typeof event.statusId !== "string") return;
    ctx.emit({ kind: "delivered", from: STATUS_CHANNEL_ID, to: self, message: describeMessage({ id: event.messageId, traceId: event.statusId, destination: STATUS_CHANNEL, attempt: 1, redelivered: false }, Buffer.from(body)) });
  });
  // Subscribed before the roster is read: a change in between is heard, not missed.
  await subscriber.subscribe(ctx.names.redis(STATUS_CHANNEL));
  // Services start side by side: whoever is first fills in the roster, and nobody reads it empty.
  await prepareRoster(commands, ctx.names);
  const stored = await commands.hgetall(ctx.names.redis(ROSTER_KEY));
  for (const [driver, flag] of Object.entries(stored)) if (!roster.has(driver)) roster.set(driver, flag === "1");
  return {
    available: () => [...roster.values()].filter(Boolean).length,
    onConnected,
    close: () => {
      subscriber.disconnect();
      commands.disconnect();
    },
  };
}
