import { endpointOf, probeTcp } from "./probe";

export function probeRedis(url: string, timeoutMs: number): Promise<void> {
  // -NOAUTH still proves a Redis is there; the scenarios report the credential problem.
  return probeTcp(endpointOf(url, 6379), Buffer.from("PING\r\n"), (b) => /^(\+PONG|-NOAUTH)/.test(b.toString("latin1")), timeoutMs);
}

export const REDIS_START_COMMAND = "npm run brokers (or: docker compose up -d redis)";
