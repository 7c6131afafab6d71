import { headers } from "nats";
import { connectNats } from "../../brokers/nats";
import { ATTEMPT_HEADER, INVENTORY_CHANNEL_ID, INVENTORY_QUEUE_GROUP, INVENTORY_SUBJECT, MESSAGE_ID_HEADER } from "../../scenarios/nats-request-reply";
import { describeMessage, sleep, type ActorProgram } from "../runtime";

const encoder = new TextEncoder();

/**
 * Answers inventory checks one at a time, as a single-threaded service would: requests that
 * arrive while it works wait in its client, and die with it when it is killed.
 */
export const natsResponder: ActorProgram = async (ctx) => {
  const self = ctx.spec.id;
  const nc = await connectNats({ url: ctx.spec.brokerUrl, name: self, onConnectedChange: ctx.setConnected });
  const subscription = nc.subscribe(INVENTORY_SUBJECT, { queue: INVENTORY_QUEUE_GROUP });
  await nc.flush();

  void (async () => {
    for await (const msg of subscription) {
      const id = msg.headers?.get(MESSAGE_ID_HEADER) || `untracked-${msg.sid}`;
      const attempt = Number(msg.headers?.get(ATTEMPT_HEADER)) || 1;
      const fields = { id, destination: INVENTORY_SUBJECT, attempt, redelivered: attempt > 1 };
      ctx.emit({ kind: "delivered", from: INVENTORY_CHANNEL_ID, to: self, message: describeMessage(fields, msg.data) });
      const delayMs = ctx.settings.delayMs ?? 0;
      if (delayMs > 0) await sleep(delayMs);
      const reply = encoder.encode(JSON.stringify({ available: true, checkedBy: self }));
      const h = headers();
      h.set(MESSAGE_ID_HEADER, id);
      h.set(ATTEMPT_HEADER, String(attempt));
      ctx.emit({ kind: "replied", from: self, to: INVENTORY_CHANNEL_ID, message: describeMessage(fields, reply) });
      msg.respond(reply, { headers: h });
    }
  })();

  return {
    async handle() {
      return null;
    },
    async close() {
      await nc.drain();
    },
  };
};
