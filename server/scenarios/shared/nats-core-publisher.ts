import { createInbox } from "nats";
import type { MessageDescriptor } from "../../../lib/protocol";
import { connectNats, messageHeaders } from "../../brokers/nats";
import { outgoing } from "../../actors/kit";
import { describeMessage, messageIds, type ActorProgram } from "../../actors/runtime";

/** What differs between the core NATS publishers: where a publish goes and what it says. */
export interface CorePublishPlan {
  /** The subject (as the seeds name it) for a publish command's `key`; throws a readable error for one it does not know. */
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
 * Shared by the queue group and pub/sub scenarios, each with its own plan.
 */
export function corePublisher(plan: CorePublishPlan): ActorProgram {
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
        for (const { id, body } of outgoing(command, nextId, (n) => plan.samplePayload(n, subject))) {
          const h = messageHeaders(id, ctx.natsTraceTo);
          const message = describeMessage({ id, destination: subject, attempt: 1, redelivered: false }, body);
          ctx.emit({ kind: "published", from: self, to: channel, message });
          sent.push({ message, started: performance.now() });
          nc.publish(ctx.names.name(subject), body, { headers: h, reply: `${inbox}.${id}` });
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
