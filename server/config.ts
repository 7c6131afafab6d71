import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { z } from "zod";
import { describeZodError } from "../lib/protocol";
import { defaultNamespaceId, namespaceIdSchema } from "./brokers/namespace";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "::1"]);
const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  // Unset means a developer's run, as everywhere in Node: `npm start` and the e2e servers say
  // "production" (it needs a build); `npm run dev` and a bare `tsx server/main.ts` get hot reload.
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  NATS_URL: z.string().regex(/^(nats|tls):\/\/[^\s]+$/, "expected nats://host:port").default("nats://127.0.0.1:4222"),
  AMQP_URL: z.string().regex(/^amqps?:\/\/[^\s]+$/, "expected amqp://user:pass@host:port").default("amqp://guest:guest@127.0.0.1:5672"),
  REDIS_URL: z.string().regex(/^rediss?:\/\/[^\s]+$/, "expected redis://host:port").default("redis://127.0.0.1:6379"),
  // The RabbitMQ tap switches the firehose and reads queue counters through the management plugin.
  RABBITMQ_MANAGEMENT_URL: z
    .string()
    .regex(/^https?:\/\/[^\s/]+\/?$/, "expected http://user:pass@host:15672 (the RabbitMQ management plugin's address, no path)")
    .optional(),
  KAFKA_BROKERS: z
    .string()
    .regex(/^[^\s,:]+:\d+(,[^\s,:]+:\d+)*$/, "expected host:port[,host:port...]")
    .default("127.0.0.1:9092"),
  HOPSCOPE_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  // "off" serves the API and Socket.IO without Next.js: no build needed, up in a second.
  HOPSCOPE_DASHBOARD: z.enum(["on", "off"]).default("on"),
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
  HOPSCOPE_NAMESPACE: namespaceIdSchema.optional(),
});

export interface Config {
  port: number;
  host: string;
  dev: boolean;
  /** Whether Next.js serves the dashboard's pages; without it only /api and /socket.io answer. */
  dashboard: boolean;
  urls: { nats: string; rabbitmq: string; redis: string; kafka: string };
  /**
   * RabbitMQ's management plugin (HTTP, with credentials), which the RabbitMQ tap needs; it
   * follows the AMQP URL's host and credentials unless RABBITMQ_MANAGEMENT_URL says otherwise.
   */
  rabbitmqManagement: string;
  /** Prefixes every broker object this instance creates or consumes (see brokers/namespace.ts). */
  namespace: string;
  /** Commands need the token only when someone other than the local user can reach us. */
  requireToken: boolean;
  token: string;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`Invalid environment: ${describeZodError(parsed.error)}`);
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dev: e.NODE_ENV === "development",
    dashboard: e.HOPSCOPE_DASHBOARD === "on",
    urls: { nats: e.NATS_URL, rabbitmq: e.AMQP_URL, redis: e.REDIS_URL, kafka: e.KAFKA_BROKERS },
    rabbitmqManagement: (e.RABBITMQ_MANAGEMENT_URL ?? managementUrlOf(e.AMQP_URL)).replace(/\/$/, ""),
    namespace: e.HOPSCOPE_NAMESPACE ?? defaultNamespaceId(hostname(), e.PORT),
    requireToken: !LOOPBACK_HOSTS.has(e.HOST),
    token: e.HOPSCOPE_TOKEN ?? randomBytes(18).toString("base64url"),
  };
}

/** The management plugin's default address for a broker: the AMQP URL's host and credentials, port 15672. */
export function managementUrlOf(amqpUrl: string): string {
  const amqp = new URL(amqpUrl);
  const credentials = amqp.username ? `${amqp.username}:${amqp.password}@` : "guest:guest@";
  return `http://${credentials}${amqp.hostname}:15672`;
}

/**
 * Next.js reads NEXT_TELEMETRY_DISABLED itself, when next() builds its server. Set here, before
 * that, so no run reports to Vercel however it was started (npm scripts set it too, for the
 * `next build` they run).
 */
export function disableNextTelemetry(env: Record<string, string | undefined> = process.env): void {
  env.NEXT_TELEMETRY_DISABLED = "1";
}

/** A URL fit to show: the password is masked. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]+)@/, "//$1:***@");
}

/**
 * The log level alone, for the logger every process (server and actors) creates as it loads,
 * before any full configuration exists. A bad value is reported by `loadConfig` at start-up;
 * here it falls back to "info" so an actor never fails over how chatty it may be.
 */
export function loadLogLevel(env: Record<string, string | undefined> = process.env): LogLevel {
  const parsed = z.enum(LOG_LEVELS).safeParse(env.LOG_LEVEL);
  return parsed.success ? parsed.data : "info";
}
