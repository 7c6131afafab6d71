import type { Channel } from "amqplib";

/** Requests wait here for any responder; one that dies before acking gives its request back. */
export const RPC_QUEUE = "rpc.inventory.check";
export const RPC_CHANNEL_ID = `rabbitmq:${RPC_QUEUE}`;
/** Each client's own exclusive reply queue, drawn as one node. */
export const REPLY_CHANNEL_ID = "rabbitmq:reply-to";
export const DROP_UNCORRELATED = "reply with no pending request (late or unknown correlationId)";
export const DROP_RPC_TIMEOUT = "no reply within the timeout";

export async function declareRpcQueue(channel: Channel): Promise<void> {
  await channel.assertQueue(RPC_QUEUE, { durable: true });
}
