import { workLoop } from "../../actors/kit";
import { describeMessage, listening, sleep, type ActorProgram } from "../../actors/runtime";
import { createRedis, ready } from "../../brokers/redis";
import { DRIVER_STATUS, serviceWork } from "../shared/driver-status";
import { CHANNEL_ID } from "./names";

/**
 * A service following driver status: a subscribed connection, which can do nothing else, and a
 * normal one where it keeps its own view of the drivers. A change arriving while it works on the
 * previous one waits in this process, and dies with it.
 */
export const driverStatusService: ActorProgram<"delayMs"> = async (ctx) => {
  const self = ctx.spec.id;
  const service = ctx.spec.role;
  const commands = createRedis({ url: ctx.spec.brokerUrl, name: `${self}:commands` });
  const subscriber = createRedis({ url: ctx.spec.brokerUrl, name: `${self}:subscriber`, onConnectedChange: ctx.setConnected });
  await Promise.all([ready(commands), ready(subscriber)]);
  ctx.setConnections(["subscriber", "commands"]);
  const view = ctx.names.redis(`${service}:drivers`);

  const work = workLoop(async ({ id, body }: { id: string; body: string }) => {
    const message = describeMessage({ id, destination: DRIVER_STATUS, attempt: 1, redelivered: false }, Buffer.from(body));
    await sleep(ctx.settings.delayMs);
    const change = JSON.parse(body) as { driverId?: unknown; available?: unknown };
    if (typeof change.driverId === "string") await commands.hset(view, change.driverId, String(change.available === true));
    ctx.emit({ kind: "processed", from: self, to: CHANNEL_ID, message, reason: serviceWork(service, body) });
  });

  subscriber.on("message", (_channel: string, body: string) => {
    let id: unknown;
    try {
      id = (JSON.parse(body) as { messageId?: unknown }).messageId;
    } catch {
      return;
    }
    if (typeof id !== "string") return;
    ctx.emit({ kind: "delivered", from: CHANNEL_ID, to: self, message: describeMessage({ id, destination: DRIVER_STATUS, attempt: 1, redelivered: false }, Buffer.from(body)) });
    work({ id, body });
  });
  await subscriber.subscribe(ctx.names.redis(DRIVER_STATUS));

  return listening(() => {
    subscriber.disconnect();
    commands.disconnect();
  });
};
