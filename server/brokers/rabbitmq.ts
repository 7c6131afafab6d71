import { connect, type Channel, type ChannelModel } from "amqplib";
import { endpointOf, probeTcp } from "./probe";

const AMQP_0_9_1_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0x00, 0x00, 0x09, 0x01]);
const FRAME_METHOD = 0x01;

/** A broker answers the AMQP 0-9-1 protocol header with a Connection.Start method frame. */
export function probeRabbitmq(url: string, timeoutMs: number): Promise<void> {
  return probeTcp(endpointOf(url, 5672), AMQP_0_9_1_HEADER, (b) => b.length >= 7 && b[0] === FRAME_METHOD, timeoutMs);
}

export const RABBITMQ_START_COMMAND = "npm run brokers (or: docker compose up -d rabbitmq)";

export interface AmqpClientOptions {
  url: string;
  name: string;
  onConnectedChange?: (connected: boolean) => void;
}

/**
 * amqplib does not reconnect by itself: this retries the first connection until the broker
 * answers, and reports a lost connection. Actors that lose theirs exit and are shown as such,
 * because the broker has already requeued whatever they held.
 */
export async function connectAmqp({ url, name, onConnectedChange }: AmqpClientOptions): Promise<ChannelModel> {
  for (;;) {
    try {
      const connection = await connect(url, { clientProperties: { connection_name: name } });
      connection.on("error", () => undefined);
      connection.on("close", () => onConnectedChange?.(false));
      return connection;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** One attempt, for the server's own short-lived reads; errors are the caller's to handle. */
export async function connectAmqpOnce(url: string, name: string): Promise<{ connection: ChannelModel; channel: Channel }> {
  const connection = await connect(url, { clientProperties: { connection_name: name } });
  connection.on("error", () => undefined);
  try {
    const channel = await connection.createChannel();
    channel.on("error", () => undefined);
    return { connection, channel };
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw error;
  }
}

/** RabbitMQ refuses to redeclare a queue with other arguments: say what to do about it. */
export function explainDeclareError(error: unknown, queues: readonly string[]): Error {
  const code = (error as { code?: unknown }).code;
  if (code !== 406) return error instanceof Error ? error : new Error(String(error));
  return new Error(`a queue already exists with other arguments (${(error as Error).message}). Delete the old ones and start again: ${queues.map((q) => `rabbitmqctl delete_queue ${q}`).join("; ")}`);
}

/**
 * The management plugin's view of a queue, or null where the plugin is not enabled. Its URL
 * follows the AMQP URL: same host and credentials, port 15672.
 */
export async function managementQueue(amqpUrl: string, queue: string): Promise<{ unacked: number; ready: number } | null> {
  const amqp = new URL(amqpUrl);
  const vhost = encodeURIComponent(decodeURIComponent(amqp.pathname.slice(1)) || "/");
  const user = decodeURIComponent(amqp.username || "guest");
  const password = decodeURIComponent(amqp.password || "guest");
  try {
    const res = await fetch(`http://${amqp.hostname}:${MANAGEMENT_PORT}/api/queues/${vhost}/${encodeURIComponent(queue)}`, {
      headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` },
      signal: AbortSignal.timeout(800),
    });
    if (!res.ok) return null;
    const body = (await res.json()) as { messages_unacknowledged?: unknown; messages_ready?: unknown };
    if (typeof body.messages_unacknowledged !== "number" || typeof body.messages_ready !== "number") return null;
    return { unacked: body.messages_unacknowledged, ready: body.messages_ready };
  } catch {
    return null;
  }
}

export const MANAGEMENT_PORT = 15672;

/** The story a message belongs to (an order), where it differs from its message id. */
export const TRACE_ID_HEADER = "hopscope-trace-id";
