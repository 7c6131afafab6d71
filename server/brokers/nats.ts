import { connect, Events, headers, type MsgHdrs, type NatsConnection } from "nats";
import { NATS_TRACE_DEST_HEADER } from "../../lib/nats-trace";
import { endpointOf, probeTcp } from "./probe";

/** NATS greets every client with an INFO line. */
export function probeNats(url: string, timeoutMs: number): Promise<void> {
  return probeTcp(endpointOf(url, 4222), null, (b) => b.toString("latin1").startsWith("INFO "), timeoutMs);
}

export const NATS_START_COMMAND = "npm run brokers (or: docker compose up -d nats)";

export interface NatsClientOptions {
  url: string;
  name: string;
  onConnectedChange?: (connected: boolean) => void;
}

/**
 * A connection that reconnects forever: nats.js gives up after about 20 s by default, which
 * would leave a workshop dead after a short broker restart.
 */
export async function connectNats({ url, name, onConnectedChange }: NatsClientOptions): Promise<NatsConnection> {
  const nc = await connect({
    servers: url.split(","),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
  });
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === Events.Disconnect) onConnectedChange?.(false);
      else if (status.type === Events.Reconnect) onConnectedChange?.(true);
    }
  })();
  return nc;
}

/** Every Hopscope message on NATS names itself in this header, so each process names it alike. */
export const MESSAGE_ID_HEADER = "Hopscope-Message-Id";
/** Which attempt of a retried request this is. */
export const ATTEMPT_HEADER = "Hopscope-Attempt";
/** The story a message belongs to (an order), where it differs from the message id. */
export const TRACE_ID_HEADER = "Hopscope-Trace-Id";

/**
 * A Hopscope message's headers: its id, and while the broker's witness listens, the subject NATS
 * sends the publish's trace to (servers before 2.11 ignore the header).
 */
export function messageHeaders(id: string, traceTo: string | null): MsgHdrs {
  const h = headers();
  h.set(MESSAGE_ID_HEADER, id);
  if (traceTo) h.set(NATS_TRACE_DEST_HEADER, traceTo);
  return h;
}
