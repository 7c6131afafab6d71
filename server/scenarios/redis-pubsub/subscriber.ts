import { describeMessage, type ActorProgram } from "../../actors/runtime";
import { createRedis, ready } from "../../brokers/redis";
import { DRIVER_CHANNEL, DRIVER_CHANNEL_ID, DRIVER_PATTERN } from "./names";

/**
 * A connection in subscriber mode can only (un)subscribe, so the subscriber keeps a second,
 * normal connection for its own commands: here it records each driver's availability.
 */
export const redisSubscriber: ActorProgram<"usePattern"> = async (ctx) => {
  const self = ctx.spec.id;
  const commands = createRedis({ url: ctx.spec.brokerUrl, name: `${self}:commands` });
  const subscriber = createRedis({ url: ctx.spec.brokerUrl, name: `${self}:subscriber`, onConnectedChange: ctx.setConnected });
  await Promise.all([ready(commands), ready(subscriber)]);
  ctx.setConnections(["subscriber", "commands"]);

  /** The mode the setting asks for; while switching, both are subscribed for a moment. */
  let wantPattern = ctx.settings.usePattern === 1;
  const receive = (channel: string, body: string, via: string | null) => {
    if ((via !== null) !== wantPattern) return;
    let parsed: { messageId?: unknown; driverId?: unknown; available?: unknown } = {};
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      return;
    }
    // Only messages that carry an id are part of the story; anything else on driver-* is not ours.
    if (typeof parsed.messageId !== "string") return;
    const id = parsed.messageId;
    ctx.emit({
      kind: "delivered",
      from: DRIVER_CHANNEL_ID,
      to: self,
      message: describeMessage({ id, destination: ctx.names.local(channel), attempt: 1, redelivered: false }, Buffer.from(body)),
      ...(via ? { reason: `via PSUBSCRIBE ${DRIVER_PATTERN}` } : {}),
    });
    if (typeof parsed.driverId === "string") void commands.hset(ctx.names.redis("drivers:available"), parsed.driverId, String(parsed.available)).catch(() => undefined);
  };
  subscriber.on("message", (channel: string, body: string) => receive(channel, body, null));
  subscriber.on("pmessage", (pattern: string, channel: string, body: string) => receive(channel, body, pattern));

  let usingPattern: boolean | null = null;
  // One switch at a time, always towards the latest setting.
  let switching: Promise<void> = Promise.resolve();
  const listen = () =>
    (switching = switching
      .catch(() => undefined)
      .then(async () => {
        const pattern = ctx.settings.usePattern === 1;
        if (pattern === usingPattern) return;
        wantPattern = pattern;
        if (pattern) {
          await subscriber.psubscribe(ctx.names.redis(DRIVER_PATTERN));
          await subscriber.unsubscribe(ctx.names.redis(DRIVER_CHANNEL));
        } else {
          await subscriber.subscribe(ctx.names.redis(DRIVER_CHANNEL));
          await subscriber.punsubscribe(ctx.names.redis(DRIVER_PATTERN));
        }
        usingPattern = pattern;
      }));
  await listen();

  return {
    async handle(command) {
      if (command.type === "settings" && command.settings.usePattern !== undefined) await listen();
      return null;
    },
    async close() {
      subscriber.disconnect();
      commands.disconnect();
    },
  };
};
