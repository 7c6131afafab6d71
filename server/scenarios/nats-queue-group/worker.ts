import type { Msg } from "nats";
import { connectNats, MESSAGE_ID_HEADER } from "../../brokers/nats";
import { workLoop } from "../../actors/kit";
import { describeMessage, listening, sleep, type ActorProgram } from "../../actors/runtime";
import { DONE_WITHOUT_ACK, RESERVE_CHANNEL_ID, RESERVE_QUEUE_GROUP, RESERVE_SUBJECT } from "./names";

function describe(msg: Msg) {
  const id = msg.headers?.get(MESSAGE_ID_HEADER) || `untracked-${msg.sid}`;
  return describeMessage({ id, destination: RESERVE_SUBJECT, attempt: 1, redelivered: false }, msg.data);
}

/**
 * A member of the queue group, working one message at a time. NATS pushes messages without
 * waiting for the previous one to finish, so the rest queue up in this process: reported on
 * arrival, they die with it when it is killed, and nobody sends them again.
 */
export const natsQueueWorker: ActorProgram<"delayMs"> = async (ctx) => {
  const self = ctx.spec.id;
  const nc = await connectNats({ url: ctx.spec.brokerUrl, name: self, onConnectedChange: ctx.setConnected });
  const work = workLoop(async (msg: Msg) => {
    const delayMs = ctx.settings.delayMs;
    if (delayMs > 0) await sleep(delayMs);
    // On its own lane: core NATS has no ack, so nothing travels back to the server.
    ctx.emit({ kind: "processed", from: self, to: self, message: describe(msg), reason: DONE_WITHOUT_ACK });
  });
  nc.subscribe(ctx.names.name(RESERVE_SUBJECT), {
    queue: ctx.names.name(RESERVE_QUEUE_GROUP),
    callback: (error, msg) => {
      if (error) return ctx.log(error.message);
      ctx.emit({ kind: "delivered", from: RESERVE_CHANNEL_ID, to: self, message: describe(msg) });
      work(msg);
    },
  });
  // Ready only once the server knows the subscription, so a publish right after counts it.
  await nc.flush();

  return listening(() => nc.drain());
};
