import { ErrorCode, headers, type NatsError } from "nats";
import { connectNats } from "../../brokers/nats";
import {
  ATTEMPT_HEADER,
  DROP_NO_RESPONDERS,
  DROP_TIMED_OUT,
  INVENTORY_CHANNEL_ID,
  INVENTORY_SUBJECT,
  MESSAGE_ID_HEADER,
} from "../../scenarios/nats-request-reply";
import { describeMessage, messageIds, type ActorProgram } from "../runtime";

const encoder = new TextEncoder();

function defaultPayload(n: number): unknown {
  return { orderId: `order-${n}`, items: [{ productId: `sku-${100 + (n % 7)}`, quantity: 1 + (n % 3) }] };
}

/** Sends inventory checks; each waits for its reply, times out and retries on its own. */
export const natsRequester: ActorProgram = async (ctx) => {
  const self = ctx.spec.id;
  const nc = await connectNats({ url: ctx.spec.brokerUrl, name: self, onConnectedChange: ctx.setConnected });
  const nextId = messageIds();

  async function request(id: string, body: Uint8Array): Promise<void> {
    const maxAttempts = 1 + (ctx.settings.retries ?? 3);
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const timeoutMs = ctx.settings.timeoutMs ?? 5_000;
      const message = describeMessage({ id, destination: INVENTORY_SUBJECT, attempt, redelivered: attempt > 1 }, body);
      const h = headers();
      h.set(MESSAGE_ID_HEADER, id);
      h.set(ATTEMPT_HEADER, String(attempt));
      ctx.emit({ kind: attempt === 1 ? "published" : "retry", from: self, to: INVENTORY_CHANNEL_ID, message });
      const started = performance.now();
      try {
        const reply = await nc.request(INVENTORY_SUBJECT, body, { timeout: timeoutMs, headers: h });
        const rttMs = performance.now() - started;
        ctx.emit({ kind: "reply-received", from: INVENTORY_CHANNEL_ID, to: self, message: describeMessage({ id, destination: INVENTORY_SUBJECT, attempt, redelivered: attempt > 1 }, reply.data), rttMs });
        return;
      } catch (error) {
        const code = (error as NatsError).code;
        if (code === ErrorCode.NoResponders) {
          ctx.emit({ kind: "dropped", from: INVENTORY_CHANNEL_ID, to: self, message, reason: DROP_NO_RESPONDERS });
          return;
        }
        if (code !== ErrorCode.Timeout) {
          ctx.emit({ kind: "dropped", from: self, to: self, message, reason: `request failed: ${(error as Error).message}`.slice(0, 200) });
          return;
        }
        ctx.emit({ kind: "timeout", from: self, to: self, message, reason: `no reply within ${timeoutMs} ms` });
      }
    }
    const message = describeMessage({ id, destination: INVENTORY_SUBJECT, attempt: maxAttempts, redelivered: maxAttempts > 1 }, body);
    ctx.emit({ kind: "dropped", from: self, to: self, message, reason: DROP_TIMED_OUT });
  }

  return {
    async handle(command) {
      if (command.type !== "publish") return null;
      const ids: string[] = [];
      for (let i = 0; i < command.count; i++) {
        const { id, n: counter } = nextId();
        const payload = command.payload ?? defaultPayload(counter);
        const body = encoder.encode(typeof payload === "string" ? payload : JSON.stringify(payload));
        ids.push(id);
        void request(id, body);
      }
      return { messageIds: ids };
    },
    async close() {
      await nc.close();
    },
  };
};
