import { z } from "zod";

/**
 * Every broker object an instance creates or consumes carries its namespace, so instances that
 * share a broker (a class on one RabbitMQ, `npm test` beside a running dashboard, a rehearsal
 * copy) never take each other's messages. Only the broker sees these names: channels, labels
 * and hops keep the seeds' names, which is what the audience reads.
 */
export interface Namespace {
  readonly id: string;
  /** NATS subjects and queue groups, RabbitMQ queues and exchanges, Kafka topics and groups. */
  name(name: string): string;
  /** The seed's name back from a namespaced one, as a broker reports it (a delivery's exchange). */
  local(name: string): string;
  /** JetStream streams and consumers, whose names may not hold a dot. */
  jetstream(name: string): string;
  /** Redis channels and keys, colon-separated by convention. */
  redis(name: string): string;
}

/**
 * Lowercase letters, digits and dashes: valid inside every broker's names (a NATS subject token,
 * a JetStream stream name, a Kafka topic) and free of every wildcard and separator.
 */
export const namespaceIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,47}$/, "expected 1–48 lowercase letters, digits and dashes, starting with a letter or digit");

export function namespace(id: string): Namespace {
  return {
    id,
    name: (name) => `${id}.${name}`,
    local: (name) => ([".", "-", ":"].some((separator) => name.startsWith(id + separator)) ? name.slice(id.length + 1) : name),
    jetstream: (name) => `${id}-${name}`,
    redis: (name) => `${id}:${name}`,
  };
}

/** The machine's short name, fit for a namespace. */
export function hostSlug(hostname: string): string {
  const slug = (hostname.toLowerCase().split(".")[0] ?? "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+/, "")
    .slice(0, 32)
    .replace(/-+$/, "");
  return slug || "hopscope";
}

/**
 * The machine and the port name an instance: stable across restarts, so durable objects (a
 * stream, a queue with messages in it) are found again; apart for two copies on one machine and
 * for every machine of a class sharing one broker.
 */
export function defaultNamespaceId(hostname: string, port: number): string {
  return `${hostSlug(hostname)}-${port}`;
}
