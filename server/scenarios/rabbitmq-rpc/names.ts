import type { Channel } from "amqplib";
import type { Namespace } from "../../brokers/namespace";

/** Requests wait here for any responder; one that dies before acking gives its request back. */
export const RPC_QUEUE = "rpc.inventory.check";
export const RPC_CHANNEL_ID = `rabbitmq:${RPC_QUEUE}`;
/** Each client's own exclusive reply queue, drawn as one node. */
export const REPLY_CHANNEL_ID = "rabbitmq:reply-to";
export const DROP_UNCORRELATED = "reply with no pending request (late or unknown correlationId)";
export const DROP_RPC_TIMEOUT = "no reply within the timeout";
/** Its reply queue is exclusive to its connection: a client that goes loses every reply on the way. */
export const DROP_CLIENT_LEFT = "the client went away: its reply queue, and the replies in it, went with it";

export async function declareRpcQueue(channel: Channel, names: Namespace): Promise<void> {
  await channel.assertQueue(names.name(RPC_QUEUE), { durable: true });
}
