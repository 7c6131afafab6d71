/**
 * What RabbitMQ's firehose (the `amq.rabbitmq.trace` exchange, on while a vhost's tracing is)
 * says about a message, and what its management API says about connections and queues, read
 * into plain values. The firehose copies every message published in the vhost with the routing
 * key `publish.<exchange>`, and every delivery from a queue with `deliver.<queue>`; its headers
 * name the connection, the queues a publish was routed to and whether a delivery is a redelivery.
 */
import { z } from "zod";

/** A queue name as a tap takes it: RabbitMQ allows 255 bytes; `*` and `#` would be wildcards in the firehose binding. */
export const rabbitmqQueueNameSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^\s*#]+$/, "a RabbitMQ queue name: no spaces, `*` or `#`");

export interface FirehosePublish {
  kind: "publish";
  exchange: string;
  routingKeys: string[];
  /** The queues the broker put the message in; empty when it went nowhere. */
  routedQueues: string[];
  /** The publisher's connection, as RabbitMQ names it (`client:port -> server:port`). */
  connection: string;
  messageId: string | null;
  headers: Record<string, unknown>;
}

export interface FirehoseDeliver {
  kind: "deliver";
  queue: string;
  redelivered: boolean;
  /** The consumer's connection, as RabbitMQ names it. */
  connection: string;
  messageId: string | null;
  headers: Record<string, unknown>;
}

export type FirehoseEvent = FirehosePublish | FirehoseDeliver;

const stringish = z.union([z.string(), z.instanceof(Uint8Array).transform((b) => new TextDecoder().decode(b))]);

const firehoseHeadersSchema = z.object({
  exchange_name: stringish,
  routing_keys: z.array(stringish).default([]),
  properties: z.looseObject({ message_id: stringish.optional(), headers: z.record(z.string(), z.unknown()).optional() }).default({}),
  routed_queues: z.array(stringish).optional(),
  // 0 or 1 in RabbitMQ 3.x; a boolean in some others.
  redelivered: z.union([z.number(), z.boolean()]).optional(),
  connection: stringish.default("unknown connection"),
});

/** One firehose message read from its routing key and headers; null when it is not one. */
export function parseFirehose(routingKey: string, headers: Record<string, unknown> | undefined): FirehoseEvent | null {
  const parsed = firehoseHeadersSchema.safeParse(headers ?? {});
  if (!parsed.success) return null;
  const h = parsed.data;
  const messageId = h.properties.message_id || null;
  const own = h.properties.headers ?? {};
  if (routingKey.startsWith("publish.")) {
    return { kind: "publish", exchange: h.exchange_name, routingKeys: h.routing_keys, routedQueues: h.routed_queues ?? [], connection: h.connection, messageId, headers: own };
  }
  if (routingKey.startsWith("deliver.")) {
    return { kind: "deliver", queue: routingKey.slice("deliver.".length), redelivered: Boolean(h.redelivered), connection: h.connection, messageId, headers: own };
  }
  return null;
}

const connectionsSchema = z.array(
  z.object({
    name: z.string(),
    client_properties: z.looseObject({ connection_name: z.string().optional() }).optional(),
  }),
);

/**
 * `GET /api/connections` as a map from each connection's name (what the firehose says) to the
 * name its client gave it, or its own name where the client gave none.
 */
export function connectionNamesFrom(body: unknown): Map<string, string> {
  const parsed = connectionsSchema.safeParse(body);
  const names = new Map<string, string>();
  if (!parsed.success) return names;
  for (const c of parsed.data) names.set(c.name, c.client_properties?.connection_name || c.name);
  return names;
}

/** A queue's counters, as the management API holds them: what the firehose cannot say (acks). */
export const queueCountersSchema = z.object({
  queue: z.string(),
  ready: z.number().int().nonnegative(),
  unacked: z.number().int().nonnegative(),
  /** Totals since the queue was declared (or the broker's stats were reset). */
  acked: z.number().int().nonnegative(),
  delivered: z.number().int().nonnegative(),
  redelivered: z.number().int().nonnegative(),
});
export type QueueCounters = z.infer<typeof queueCountersSchema>;

const count = z.number().int().nonnegative().catch(0).default(0);
const queueBodySchema = z.object({
  messages_ready: count,
  messages_unacknowledged: count,
  message_stats: z.looseObject({ ack: count, deliver: count, redeliver: count }).catch({ ack: 0, deliver: 0, redeliver: 0 }).default({ ack: 0, deliver: 0, redeliver: 0 }),
});

/**
 * `GET /api/queues/<vhost>/<queue>` as counters. A queue declared a moment ago has no statistics
 * yet (they are collected every few seconds): zeros until then.
 */
export function queueCountersFrom(queue: string, body: unknown): QueueCounters {
  const parsed = queueBodySchema.safeParse(body ?? {});
  const b = parsed.success ? parsed.data : { messages_ready: 0, messages_unacknowledged: 0, message_stats: { ack: 0, deliver: 0, redeliver: 0 } };
  return { queue, ready: b.messages_ready, unacked: b.messages_unacknowledged, acked: b.message_stats.ack, delivered: b.message_stats.deliver, redelivered: b.message_stats.redeliver };
}

/** The vhost an AMQP URL names: its path, decoded; `/` where it names none. */
export function vhostOfAmqpUrl(url: string): string {
  const path = new URL(url).pathname.slice(1);
  return decodeURIComponent(path) || "/";
}
