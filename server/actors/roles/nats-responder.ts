import { headers, type Msg } from "nats";
import { connectNats } from "../../brokers/nats";
import { ATTEMPT_HEADER, INVENTORY_CHANNEL_ID, INVENTORY_QUEUE_GROUP, INVENTORY_SUBJECT, MESSAGE_ID_HEADER } from "../../scenarios/nats-request-reply";
import { describeMessage, listening, sleep, type ActorProgram } from "../runtime";

const encoder = new TextEncoder();

function fieldsOf(msg: Msg) {
  const id = msg.headers?.get(MESSAGE_ID_HEADER) || `untracked-${msg.sid}`;
  const attempt = Number(msg.headers?.get(ATTEMPT_HEADER)) || 1;
  return { id, destination: INVENTORY_SUBJECT, attempt, redelivered: attempt > 1 };
}

/**
 * Answers inventory checks one at a time, as a single-threaded service would: requests that
 * arrive while it works wait in its client, and die with it when it is killed.
 */
export const natsResponder: ActorProgram = async (ctx) => {
  const self = ctx.spec.id;
  const nc = await connectNats({ url: ctx.spec.brokerUrl, name: self, onConnectedChange: ctx.setConnected });
  // Reported on arrival: what NATS handed to this process and it had not answered yet is lost
  // with it when it is killed, which is the at-most-once lesson.
  const backlog: Msg[] = [];
  let working = false;
  const work = async () => {
    if (working) return;
    working = true;
    for (let msg = backlog.shift(); msg; msg = backlog.shift()) {
      const fields = fieldsOf(msg);
      const delayMs = ctx.settings.delayMs ?? 0;
      if (delayMs > 0) await sleep(delayMs);
      const reply = encoder.encode(JSON.stringify({ available: true, checkedBy: self }));
      const h = headers();
      h.set(MESSAGE_ID_HEADER, fields.id);
      h.set(ATTEMPT_HEADER, String(fields.attempt));
      ctx.emit({ kind: "replied", from: self, to: INVENTORY_CHANNEL_ID, message: describeMessage(fields, reply) });
      msg.respond(reply, { headers: h });
    }
    working = false;
  };
  nc.subscribe(INVENTORY_SUBJECT, {
    queue: INVENTORY_QUEUE_GROUP,
    callback: (error, msg) => {
      if (error) return ctx.log(error.message);
      ctx.emit({ kind: "delivered", from: INVENTORY_CHANNEL_ID, to: self, message: describeMessage(fieldsOf(msg), msg.data) });
      backlog.push(msg);
      void work();
    },
  });
  await nc.flush();

  return listening(() => nc.drain());
};
