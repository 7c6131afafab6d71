import type { JsMsg } from "nats";
import { connectNats, MESSAGE_ID_HEADER } from "../../brokers/nats";
import { replaceMe } from "../../actors/kit";
import { describeMessage, sleep, type ActorProgram } from "../../actors/runtime";
import { CONSUMER_CHANNEL_ID, NAK_DELAY_MS, ORDER_CREATED_SUBJECT, ordersStreamNames } from "./names";
import { ensureInventoryConsumer, ensureOrdersStream } from "./stream";

/** How long one pull waits on the server for a message before it is renewed. */
const PULL_EXPIRES_MS = 5_000;
const ACK_CONFIRM_TIMEOUT_MS = 2_000;
const RETRY_AFTER_ERROR_MS = 500;

/**
 * Pulls from the durable consumer one message at a time and pulls again only when done, so it
 * holds at most one unacked message: the one a kill leaves for JetStream to deliver again.
 */
export const natsJsWorker: ActorProgram<"delayMs" | "failRate" | "ackWaitMs" | "maxDeliver"> = async (ctx) => {
  const self = ctx.spec.id;
  const nc = await connectNats({ url: ctx.spec.brokerUrl, name: self, onConnectedChange: ctx.setConnected });
  const jsm = await nc.jetstreamManager();
  const names = ordersStreamNames(ctx.names);
  await ensureOrdersStream(jsm, names);
  await ensureInventoryConsumer(jsm, names, ctx.settings);
  const consumer = await nc.jetstream().consumers.get(names.stream, names.consumer);

  const describe = (msg: JsMsg) => {
    const id = msg.headers?.get(MESSAGE_ID_HEADER) || `untracked-${msg.seq}`;
    // Its attempt is JetStream's own delivery count, so a redelivery reads "#2", "#3".
    const deliveries = msg.info.deliveryCount;
    return { ...describeMessage({ id, destination: ORDER_CREATED_SUBJECT, attempt: deliveries, redelivered: deliveries > 1 }, msg.data), offset: String(msg.seq) };
  };

  /**
   * Works for `ms`, telling JetStream it is still at it (+WPI) before the ack wait runs out, so
   * only a worker that stops answering (a dead one) has its message taken away.
   */
  const workOn = async (msg: JsMsg, ms: number) => {
    for (let left = ms; left > 0; ) {
      const step = Math.min(left, ctx.settings.ackWaitMs / 2);
      await sleep(step);
      left -= step;
      if (left > 0) msg.working();
    }
  };

  let stopped = false;
  const handle = async (msg: JsMsg) => {
    const message = describe(msg);
    const deliveries = msg.info.deliveryCount;
    const { maxDeliver } = ctx.settings;
    if (deliveries > 1) ctx.emit({ kind: "redelivered", from: CONSUMER_CHANNEL_ID, to: self, message, reason: `delivery ${deliveries} of at most ${maxDeliver}` });
    else ctx.emit({ kind: "delivered", from: CONSUMER_CHANNEL_ID, to: self, message });
    // Handed over before any ack can leave: should this worker die between its ack and the
    // ack's hop, the engine knows it held the message and asks the stream what became of it.
    await ctx.flush();
    await workOn(msg, ctx.settings.delayMs);
    if (Math.random() < ctx.settings.failRate) {
      msg.nak(NAK_DELAY_MS);
      const reason = deliveries >= maxDeliver ? `failed on its last delivery (${deliveries} of ${maxDeliver})` : `failed; JetStream offers it again in ${NAK_DELAY_MS} ms (delivery ${deliveries} of ${maxDeliver})`;
      ctx.emit({ kind: "nacked", from: self, to: CONSUMER_CHANNEL_ID, message, reason });
      return;
    }
    // A double ack: "acked" is shown only once the server has recorded it.
    const recorded = await msg.ackAck({ timeout: ACK_CONFIRM_TIMEOUT_MS }).catch(() => false);
    if (recorded) return ctx.emit({ kind: "acked", from: self, to: CONSUMER_CHANNEL_ID, message });
    // Unconfirmed is not unrecorded: JetStream may have the ack (sent late, after a reconnect)
    // and lost only its answer, and a live worker cannot tell that from a redelivery acked by
    // another. Leaving hands the question to the engine, which asks the stream about what a
    // gone worker held, with every worker's hops at hand.
    stopped = true;
    replaceMe(ctx, `the ack of ${message.id} was not confirmed within ${ACK_CONFIRM_TIMEOUT_MS} ms`);
  };

  const pullLoop = async () => {
    while (!stopped) {
      try {
        const msg = await consumer.next({ expires: PULL_EXPIRES_MS });
        if (msg) await handle(msg);
      } catch (error) {
        if (stopped) return;
        ctx.log(`pull failed: ${(error as Error).message}`);
        await sleep(RETRY_AFTER_ERROR_MS);
        // The stream or consumer may have been deleted, or lost with a broker's store: remake them.
        await ensureOrdersStream(jsm, names)
          .then(() => ensureInventoryConsumer(jsm, names, ctx.settings))
          .catch(() => undefined);
      }
    }
  };
  void pullLoop();

  return {
    async handle(command) {
      if (command.type === "settings" && (command.settings.ackWaitMs !== undefined || command.settings.maxDeliver !== undefined)) await ensureInventoryConsumer(jsm, names, ctx.settings);
      return null;
    },
    async close() {
      stopped = true;
      await nc.close();
    },
  };
};
