import { Redis } from "ioredis";
import { endpointOf, probeTcp } from "./probe";

export function probeRedis(url: string, timeoutMs: number): Promise<void> {
  // -NOAUTH still proves a Redis is there; the scenarios report the credential problem.
  return probeTcp(endpointOf(url, 6379), Buffer.from("PING\r\n"), (b) => /^(\+PONG|-NOAUTH)/.test(b.toString("latin1")), timeoutMs);
}

export const REDIS_START_COMMAND = "npm run brokers (or: docker compose up -d redis)";

/**
 * A client that reconnects forever, paced, and says when it drops and comes back. Subscriber
 * connections resubscribe by themselves after a reconnect (ioredis keeps the list).
 */
export function createRedis({
  url,
  name,
  onConnectedChange,
  queueWhileOffline = true,
}: {
  url: string;
  name: string;
  onConnectedChange?: (connected: boolean) => void;
  /** False for a publisher: a command sent while Redis is away fails at once, not minutes later. */
  queueWhileOffline?: boolean;
}): Redis {
  const client = new Redis(url, {
    connectionName: name,
    retryStrategy: (times) => Math.min(200 * times, 2_000),
    maxRetriesPerRequest: null,
    enableOfflineQueue: queueWhileOffline,
  });
  client.on("error", () => undefined);
  client.on("close", () => onConnectedChange?.(false));
  client.on("ready", () => onConnectedChange?.(true));
  return client;
}

/**
 * Resolves once the client is ready (it keeps retrying a broker that is away), and rejects on
 * refused credentials, which no retry will fix.
 */
export function ready(client: Redis): Promise<void> {
  if (client.status === "ready") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      if (!/NOAUTH|WRONGPASS/.test(error.message)) return;
      client.off("ready", onReady);
      client.disconnect();
      reject(new Error(`Redis refused the credentials: ${error.message}`));
    };
    const onReady = () => {
      client.off("error", onError);
      resolve();
    };
    client.once("ready", onReady);
    client.on("error", onError);
  });
}
