import { createInbox, headers } from "nats";
import type { MessageDescriptor } from "../../../lib/protocol";
import { connectNats } from "../../brokers/nats";
import { MESSAGE_ID_HEADER } from "../../scenarios/nats-request-reply";
import { DROP_NO_WORKERS, RESERVE_CHANNEL_ID, RESERVE_SUBJECT } from "../../scenarios/nats-queue-group";
import { DROP_NO_SUBSCRIBERS, eventChannelId, orderEventSchema, ORDER_EVENTS } from "../../scenarios/nats-pubsub";
import { describeMessage, messageIds, type ActorProgram } from "../runtime";

const encoder = new TextEncoder();

/** What differs between the core NATS publishers: where a publish goes and what it says. */
interface CorePublishPlan {
  /** The subject for a publish command's `key`; throws a readable error for one it does not know. */
  subjectFor(key: string | undefined): string;
  channelOf(subject: string): string;
  samplePayload(n: number, subject: string): unknown;
  /** Why a message nobody had interest in is gone. */
  noInterestReason: string;
}

/**
 * Fire-and-forget publishes, settled by a flush: once the server answers the PING that follows
 * them, it has handed each to whoever had interest. Each carries a reply subject nobody answers,
 * so that the server says 503 for a message no subscriber at all wanted, before that PONG.
 */
function corePublisher(plan: CorePublishPlan): ActorProgram {
  return async (ctx) => {
    const self = ctx.spec.id;
    const nc = await connectNats({ url: ctx.spec.brokerUrl, name: self, onConnectedChange: ctx.setConnected });
    const nextId = messageIds();
    const inbox = createInbox();
    const unheard = new Set<string>();
    nc.subscribe(`${inbox}.*`, {
      callback: (error, msg) => {
        if (error) return ctx.log(error.message);
        if (msg.headers?.code === 503) unheard.add(msg.subject.slice(inbox.length + 1));
      },
    });
    await nc.flush();

    return {
      async handle(command) {
        if (command.type !== "publish") return null;
        const subject = plan.subjectFor(command.key);
        const channel = plan.channelOf(subject);
        const sent: { message: MessageDescriptor; started: number }[] = [];
        for (let i = 0; i < command.count; i++) {
          const { id, n } = nextId();
          const payload = command.payload ?? plan.samplePayload(n, subject);
          const body = encoder.encode(typeof payload === "string" ? payload : JSON.stringify(payload));
          const h = headers();
          h.set(MESSAGE_ID_HEADER, id);
          const message = describeMessage({ id, destination: subject, attempt: 1, redelivered: false }, body);
          ctx.emit({ kind: "published", from: self, to: channel, message });
          sent.push({ message, started: performance.now() });
          nc.publish(subject, body, { headers: h, reply: `${inbox}.${id}` });
        }
        await nc.flush();
        const flushed = performance.now();
        for (const { message, started } of sent) {
          if (unheard.delete(message.id)) ctx.emit({ kind: "dropped", from: channel, to: self, message, reason: plan.noInterestReason });
          else ctx.emit({ kind: "confirmed", from: channel, to: self, message, rttMs: flushed - started });
        }
        return { messageIds: sent.map((s) => s.message.id), subject };
      },
      async close() {
        await nc.close();
      },
    };
  };
}

/** The order service asks for stock to be reserved; whichever inventory worker is free does it. */
export const natsReservePublisher = corePublisher({
  subjectFor: () => RESERVE_SUBJECT,
  channelOf: () => RESERVE_CHANNEL_ID,
  samplePayload: (n) => ({ orderId: `order-${n}`, items: [{ productId: `sku-${100 + (n % 7)}`, quantity: 1 + (n % 3) }] }),
  noInterestReason: DROP_NO_WORKERS,
});

const STATUSES = ["confirmed", "shipped", "delivered"];

/** The order service tells everyone interested that an order was created or changed status. */
export const natsEventPublisher = corePublisher({
  subjectFor: (key) => {
    if (key === undefined || key === "") return ORDER_EVENTS[0];
    const event = orderEventSchema.safeParse(key);
    if (!event.success) throw new Error(`key: no event "${key}"; choose ${ORDER_EVENTS.join(" or ")}`);
    return event.data;
  },
  channelOf: eventChannelId,
  samplePayload: (n, subject) => {
    const items = [{ productId: `sku-${100 + (n % 7)}`, quantity: 1 + (n % 3) }];
    return subject === "order_status_updated" ? { orderId: `order-${n}`, status: STATUSES[n % STATUSES.length], items } : { orderId: `order-${n}`, items };
  },
  noInterestReason: DROP_NO_SUBSCRIBERS,
});
