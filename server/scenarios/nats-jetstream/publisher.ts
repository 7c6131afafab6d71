import { headers, type Msg, type MsgHdrs } from "nats";
import type { MessageDescriptor } from "../../../lib/protocol";
import { connectNats, MESSAGE_ID_HEADER } from "../../brokers/nats";
import { outgoing } from "../../actors/kit";
import { describeMessage, messageIds, now, sleep, type ActorProgram } from "../../actors/runtime";
import {
  CONSUMER_CHANNEL_ID,
  maxDeliveriesAdvisorySchema,
  ORDER_CREATED_SUBJECT,
  ordersStreamNames,
  STREAM_CHANNEL_ID,
  TERMINATED_CHANNEL_ID,
  terminatedReason,
} from "./names";
import { ensureInventoryConsumer, ensureOrdersStream } from "./stream";

const sampleOrder = (n: number) => ({ orderId: `order-${n}`, items: [{ productId: `sku-${100 + (n % 7)}`, quantity: 1 + (n % 3) }] });
/** How long one publish waits for the stream's PubAck, and the waits before each new attempt. */
const PUBACK_TIMEOUT_MS = 2_000;
const PUBLISH_RETRY_WAITS_MS = [250, 500, 1_000, 2_000] as const;
/** Stream sequence → message, for advisories about messages the stream no longer holds. */
const REMEMBERED_SEQUENCES = 20_000;

/**
 * Stores order events in the stream: a message counts as stored once the PubAck names its
 * stream sequence. It also keeps the stream and the durable consumer as the settings say, and
 * reports what JetStream gives up on, which no worker sees.
 */
export const natsJsPublisher: ActorProgram<"ackWaitMs" | "maxDeliver"> = async (ctx) => {
  const self = ctx.spec.id;
  const nc = await connectNats({ url: ctx.spec.brokerUrl, name: self, onConnectedChange: ctx.setConnected });
  const jsm = await nc.jetstreamManager();
  const js = nc.jetstream();
  const names = ordersStreamNames(ctx.names);
  await ensureOrdersStream(jsm, names);
  await ensureInventoryConsumer(jsm, names, ctx.settings);
  const nextId = messageIds();
  const stored = new Map<number, MessageDescriptor>();

  /** The message as the stream holds it, or as this publisher sent it. */
  const lookUp = async (seq: number, deliveries: number): Promise<MessageDescriptor> => {
    const fields = { attempt: deliveries, redelivered: deliveries > 1 };
    try {
      const held = await jsm.streams.getMessage(names.stream, { seq });
      const id = held.header.get(MESSAGE_ID_HEADER) || `untracked-${seq}`;
      return { ...describeMessage({ id, destination: ORDER_CREATED_SUBJECT, ...fields }, held.data), offset: String(seq) };
    } catch {
      const sent = stored.get(seq);
      return sent ? { ...sent, ...fields } : { ...describeMessage({ id: `untracked-${seq}`, destination: ORDER_CREATED_SUBJECT, ...fields }, new Uint8Array()), offset: String(seq) };
    }
  };
  const onAdvisory = async (msg: Msg) => {
    let advisory;
    try {
      advisory = maxDeliveriesAdvisorySchema.parse(msg.json());
    } catch (error) {
      return ctx.log(`unreadable max-deliveries advisory: ${(error as Error).message}`);
    }
    const message = await lookUp(advisory.stream_seq, advisory.deliveries);
    ctx.emit({ kind: "dead-lettered", from: CONSUMER_CHANNEL_ID, to: TERMINATED_CHANNEL_ID, message, reason: terminatedReason(advisory.deliveries) });
  };
  nc.subscribe(names.maxDeliveriesAdvisory, {
    callback: (error, msg) => {
      if (error) return ctx.log(error.message);
      void onAdvisory(msg);
    },
  });
  await nc.flush();

  /**
   * A publish whose PubAck does not come (JetStream still recovering its store after a restart,
   * say) is sent again: the msgID makes the stream drop a second copy, so a retry of one that
   * was in fact stored only comes back marked duplicate. What a producer must do to keep the
   * at-least-once promise from its own side.
   */
  const storeWithRetries = async (id: string, body: Uint8Array, h: MsgHdrs, message: MessageDescriptor) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await js.publish(names.orderCreated, body, { headers: h, msgID: id, timeout: PUBACK_TIMEOUT_MS });
      } catch (error) {
        const wait = PUBLISH_RETRY_WAITS_MS[attempt - 1];
        if (wait === undefined) throw error;
        await sleep(wait);
        ctx.emit({ kind: "retry", from: self, to: STREAM_CHANNEL_ID, message: { ...message, attempt: attempt + 1 }, reason: `no PubAck: ${(error as Error).message}`.slice(0, 200) });
      }
    }
  };

  const publishOne = async (id: string, body: Uint8Array): Promise<void> => {
    const h = headers();
    h.set(MESSAGE_ID_HEADER, id);
    const message = describeMessage({ id, destination: ORDER_CREATED_SUBJECT, attempt: 1, redelivered: false }, body);
    const publishedAt = now();
    ctx.emit({ kind: "published", from: self, to: STREAM_CHANNEL_ID, message, at: publishedAt });
    try {
      const ack = await storeWithRetries(id, body, h, message);
      const confirmed = { ...message, offset: String(ack.seq) };
      stored.set(ack.seq, confirmed);
      if (stored.size > REMEMBERED_SEQUENCES) stored.delete(stored.keys().next().value ?? ack.seq);
      ctx.emit({ kind: "confirmed", from: STREAM_CHANNEL_ID, to: self, message: confirmed, rttMs: now() - publishedAt, ...(ack.duplicate ? { reason: "duplicate: the stream had it already" } : {}) });
    } catch (error) {
      // The producer knows the stream did not take it: published, and dropped with the reason.
      ctx.emit({ kind: "dropped", from: STREAM_CHANNEL_ID, to: self, message, reason: `not stored: ${(error as Error).message}`.slice(0, 200) });
    }
  };

  return {
    async handle(command) {
      if (command.type === "settings") {
        if (command.settings.ackWaitMs !== undefined || command.settings.maxDeliver !== undefined) await ensureInventoryConsumer(jsm, names, ctx.settings);
        return null;
      }
      const ids: string[] = [];
      const publishes: Promise<void>[] = [];
      for (const { id, body } of outgoing(command, nextId, sampleOrder)) {
        ids.push(id);
        publishes.push(publishOne(id, body));
      }
      await Promise.all(publishes);
      return { messageIds: ids };
    },
    async close() {
      await nc.close();
    },
  };
};
