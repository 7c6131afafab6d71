/**
 * NATS message tracing (servers 2.11 and newer): a message published with a `Nats-Trace-Dest`
 * header makes the server send a trace event to that subject, naming the connection that
 * published it and every subscription it went to, queue group included. It is the broker's own
 * word on which member of a queue group got a message.
 */
import { z } from "zod";

export const NATS_TRACE_DEST_HEADER = "Nats-Trace-Dest";

/** The first NATS server version that traces messages. */
export const NATS_TRACING_SINCE = "2.11.0";

/** Whether a server of this version (as its INFO says, "2.10.22", "2.11.0-RC.1") traces messages. */
export function supportsMessageTracing(version: string | undefined): boolean {
  const match = /^v?(\d+)\.(\d+)/.exec(version ?? "");
  if (!match) return false;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > 2 || (major === 2 && minor >= 11);
}

/** Which kind of connection an event is about: only clients (0) are applications. */
const CLIENT = 0;

const ingressSchema = z.object({ type: z.literal("in"), ts: z.string(), kind: z.number(), cid: z.number(), name: z.string().optional(), subj: z.string() });
const egressSchema = z.object({ type: z.literal("eg"), ts: z.string(), kind: z.number(), cid: z.number(), name: z.string().optional(), sub: z.string().optional(), queue: z.string().optional(), error: z.string().optional() });

/** The part of a trace event Hopscope reads; the server says much more (its own identity, hops across a cluster). */
export const natsTraceEventSchema = z.object({
  request: z.object({ header: z.record(z.string(), z.array(z.string())).nullish(), msgsize: z.number().optional() }),
  events: z.array(z.unknown()),
});
export type NatsTraceEvent = z.infer<typeof natsTraceEventSchema>;

export interface TracedDelivery {
  /** The receiving connection's name (an actor's id), or `connection <cid>` where it gave none. */
  to: string;
  /** The subscription's subject (a wildcard, where it subscribed with one). */
  subscription: string;
  queue?: string;
  /** Epoch ms, from the server's own clock. */
  at: number;
}

export interface TracedMessage {
  /** What the publisher put in the message's headers, first value of each. */
  headers: Record<string, string>;
  subject: string;
  /** The publishing connection's name, or `connection <cid>`. */
  from: string;
  /** Epoch ms at which the server took the message in. */
  at: number;
  deliveries: TracedDelivery[];
}

/**
 * RFC 3339 with nanoseconds ("2026-12-08T03:04:35.858829216Z") to epoch ms with its sub-ms part:
 * Date.parse keeps milliseconds only.
 */
export function epochMsOf(timestamp: string): number | null {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(timestamp);
  if (!match) return null;
  const whole = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(whole)) return null;
  const fraction = match[2] ? Number(`0.${match[2]}`) * 1000 : 0;
  return whole + fraction;
}

const nameOf = (event: { name?: string | undefined; cid: number }) => event.name || `connection ${event.cid}`;

/**
 * The publish and the client deliveries one trace event tells of, or null for an event that is
 * not one (malformed, or from a route, gateway or leaf rather than a client). Deliveries to the
 * connections in `ignore` (the tracer's own subscriptions, by client id) are left out, and so are
 * those the server failed to make (a slow consumer).
 */
export function tracedMessageOf(raw: unknown, ignore: ReadonlySet<number> = new Set()): TracedMessage | null {
  const parsed = natsTraceEventSchema.safeParse(raw);
  if (!parsed.success) return null;
  let ingress: z.infer<typeof ingressSchema> | null = null;
  const deliveries: TracedDelivery[] = [];
  for (const event of parsed.data.events) {
    const asIngress = ingressSchema.safeParse(event);
    if (asIngress.success) {
      ingress ??= asIngress.data;
      continue;
    }
    const egress = egressSchema.safeParse(event);
    if (!egress.success || egress.data.kind !== CLIENT || egress.data.error || ignore.has(egress.data.cid)) continue;
    const at = epochMsOf(egress.data.ts);
    if (at === null) continue;
    deliveries.push({ to: nameOf(egress.data), subscription: egress.data.sub ?? "", ...(egress.data.queue ? { queue: egress.data.queue } : {}), at });
  }
  if (!ingress || ingress.kind !== CLIENT) return null;
  const at = epochMsOf(ingress.ts);
  if (at === null) return null;
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(parsed.data.request.header ?? {})) if (values[0] !== undefined) headers[name] = values[0];
  return { headers, subject: ingress.subj, from: nameOf(ingress), at, deliveries };
}
