import { outgoing } from "../../actors/kit";
import { messageIds, type ActorProgram } from "../../actors/runtime";
import { connectNats } from "../../brokers/nats";
import { requestWithRetries } from "../shared/nats-request-reply";
import { DROP_NO_RESPONDERS, DROP_TIMED_OUT, INVENTORY_CHANNEL_ID, INVENTORY_SUBJECT } from "./names";

function defaultPayload(n: number): unknown {
  return { orderId: `order-${n}`, items: [{ productId: `sku-${100 + (n % 7)}`, quantity: 1 + (n % 3) }] };
}

const PLAN = { subject: INVENTORY_SUBJECT, channelId: INVENTORY_CHANNEL_ID, noResponders: DROP_NO_RESPONDERS, timedOut: DROP_TIMED_OUT };

/** Sends inventory checks; each waits for its reply, times out and retries on its own. */
export const natsRequester: ActorProgram<"timeoutMs" | "retries"> = async (ctx) => {
  const nc = await connectNats({ url: ctx.spec.brokerUrl, name: ctx.spec.id, onConnectedChange: ctx.setConnected });
  const nextId = messageIds();
  return {
    async handle(command) {
      if (command.type !== "publish") return null;
      const ids: string[] = [];
      for (const { id, body } of outgoing(command, nextId, defaultPayload)) {
        ids.push(id);
        void requestWithRetries(ctx, nc, PLAN, { id, body });
      }
      return { messageIds: ids };
    },
    async close() {
      await nc.close();
    },
  };
};
