import { randomBytes } from "node:crypto";
import { z } from "zod";
import { describeZodError } from "../lib/protocol";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "::1"]);

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  NATS_URL: z.string().regex(/^(nats|tls):\/\/[^\s]+$/, "expected nats://host:port").default("nats://127.0.0.1:4222"),
  AMQP_URL: z.string().regex(/^amqps?:\/\/[^\s]+$/, "expected amqp://user:pass@host:port").default("amqp://guest:guest@127.0.0.1:5672"),
  REDIS_URL: z.string().regex(/^rediss?:\/\/[^\s]+$/, "expected redis://host:port").default("redis://127.0.0.1:6379"),
  KAFKA_BROKERS: z
    .string()
    .regex(/^[^\s,:]+:\d+(,[^\s,:]+:\d+)*$/, "expected host:port[,host:port...]")
    .default("127.0.0.1:9092"),
  HOPSCOPE_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
});

export interface Config {
  port: number;
  host: string;
  dev: boolean;
  urls: { nats: string; rabbitmq: string; redis: string; kafka: string };
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
    urls: { nats: e.NATS_URL, rabbitmq: e.AMQP_URL, redis: e.REDIS_URL, kafka: e.KAFKA_BROKERS },
    requireToken: !LOOPBACK_HOSTS.has(e.HOST),
    token: e.HOPSCOPE_TOKEN ?? randomBytes(18).toString("base64url"),
  };
}

/** A URL fit to show: the password is masked. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]+)@/, "//$1:***@");
}
