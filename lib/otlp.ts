/**
 * OpenTelemetry messaging spans, as OTLP/HTTP carries them (an ExportTraceServiceRequest, in its
 * JSON form; the protobuf form is decoded into the same shape on the server), turned into hops.
 *
 * Only messaging spans become hops; every other span is ignored. The attribute names are those
 * of the messaging semantic conventions, and the older names some instrumentations still emit
 * (`@opentelemetry/instrumentation-amqplib` among them) are read as their newer equivalents.
 */
import { z } from "zod";
import { BROKERS, type BrokerId, type MessageHopDraft } from "./protocol";

/** Most spans one request may carry: a batch exporter sends 512 by default. */
export const OTLP_MAX_SPANS = 10_000;

const hex = (length: number) =>
  z
    .string()
    .regex(new RegExp(`^[0-9a-fA-F]{${length}}$`), `expected ${length} hex digits`)
    .transform((id) => id.toLowerCase());
/** A parent or link that is not there is sent as an empty id. */
const optionalHex = (length: number) => z.union([z.literal(""), hex(length)]).optional();

/**
 * uint64 nanoseconds since the epoch: a decimal string in OTLP/JSON. Some encoders send a
 * number, which cannot hold today's nanoseconds exactly; a few hundred ns off is no matter here.
 */
const unixNanoSchema = z.union([z.string().regex(/^\d{1,20}$/, "expected nanoseconds as a decimal string"), z.number().nonnegative().finite()]);

/** One attribute; values other than scalars (arrays, maps, bytes) are kept out of the way. */
const keyValueSchema = z.object({
  key: z.string().max(256),
  value: z
    .looseObject({
      stringValue: z.string().optional(),
      boolValue: z.boolean().optional(),
      intValue: z.union([z.string(), z.number()]).optional(),
      doubleValue: z.union([z.number(), z.string()]).optional(),
    })
    .optional(),
});
const attributesSchema = z.array(keyValueSchema).max(512).optional();

/** Span kinds, by their number (OTLP/JSON) or their enum name (what some encoders write). */
const SPAN_KINDS = ["SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"] as const;
const spanKindSchema = z.union([z.number().int().min(0).max(5), z.enum(SPAN_KINDS).transform((name) => SPAN_KINDS.indexOf(name))]).optional();
const SPAN_KIND_PRODUCER = 4;
const SPAN_KIND_CONSUMER = 5;
const STATUS_CODE_ERROR = 2;

const linkSchema = z.looseObject({ traceId: hex(32), spanId: hex(16) });

const spanSchema = z.looseObject({
  traceId: hex(32),
  spanId: hex(16),
  parentSpanId: optionalHex(16),
  name: z.string().max(1024).default(""),
  kind: spanKindSchema,
  startTimeUnixNano: unixNanoSchema,
  endTimeUnixNano: unixNanoSchema,
  attributes: attributesSchema,
  links: z.array(linkSchema).max(128).optional(),
  status: z.looseObject({ code: z.union([z.number().int(), z.string()]).optional(), message: z.string().max(1024).optional() }).optional(),
});

const scopeSpansSchema = z.looseObject({ spans: z.array(spanSchema).max(OTLP_MAX_SPANS).optional() });

export const exportTraceRequestSchema = z
  .looseObject({
    resourceSpans: z
      .array(
        z.looseObject({
          resource: z.looseObject({ attributes: attributesSchema }).optional(),
          scopeSpans: z.array(scopeSpansSchema).max(1_000).optional(),
        }),
      )
      .max(1_000)
      .default([]),
  })
  .refine((request) => spansIn(request).length <= OTLP_MAX_SPANS, `at most ${OTLP_MAX_SPANS} spans per request`);
export type ExportTraceRequest = z.infer<typeof exportTraceRequestSchema>;
type Span = z.infer<typeof spanSchema>;
type Attributes = z.infer<typeof attributesSchema>;

function spansIn(request: { resourceSpans: { scopeSpans?: { spans?: unknown[] | undefined }[] | undefined }[] }): unknown[] {
  return request.resourceSpans.flatMap((r) => (r.scopeSpans ?? []).flatMap((s) => s.spans ?? []));
}

/** A scalar attribute as text, or undefined. */
function read(attributes: Attributes, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = attributes?.find((a) => a.key === key)?.value;
    if (!value) continue;
    const scalar = value.stringValue ?? value.intValue ?? value.doubleValue ?? value.boolValue;
    if (scalar !== undefined) return String(scalar);
  }
  return undefined;
}

/** Epoch ms with microsecond precision: nanoseconds since 1970 overflow a double's integers. */
function toMs(nanos: string | number): number {
  return typeof nanos === "number" ? Math.round(nanos / 1e3) / 1e3 : Number(BigInt(nanos) / 1_000n) / 1_000;
}

export type MessagingOperation = "publish" | "receive" | "process" | "settle";

/** What a messaging span says, under the current attribute names. */
export interface MessagingSpan {
  system: BrokerId;
  operation: MessagingOperation;
  /** The queue, topic, exchange, subject or channel. */
  destination: string;
  /** The instrumented service, as its resource names it. */
  service: string;
  traceId: string;
  spanId: string;
  /** The producer's span the message came from: the first link, or else the parent. */
  producerSpanId: string | null;
  startMs: number;
  endMs: number;
  name: string;
  messageId?: string;
  partition?: number;
  offset?: string;
  key?: string;
  consumerGroup?: string;
  size?: number;
  /** A settle span's verb (ack, nack, reject), or an error status's message. */
  settlement?: string;
  failed?: string;
}

/** Current operation type from either generation of names; the span kind where neither is said. */
function operationOf(attributes: Attributes, kind: number | undefined): MessagingOperation | null {
  const said = read(attributes, "messaging.operation.type", "messaging.operation");
  switch (said) {
    case "create":
    case "send":
    case "publish":
      return "publish";
    case "receive":
      return "receive";
    case "process":
    case "deliver":
      return "process";
    case "settle":
      return "settle";
  }
  if (kind === SPAN_KIND_PRODUCER) return "publish";
  if (kind === SPAN_KIND_CONSUMER) return "process";
  return null;
}

const isBroker = (system: string): system is BrokerId => (BROKERS as readonly string[]).includes(system);

/** Null for a span that is not a messaging span of a broker Hopscope draws. */
export function messagingSpanOf(span: Span, resource: Attributes): MessagingSpan | null {
  const attributes = span.attributes;
  const system = read(attributes, "messaging.system");
  if (system === undefined || !isBroker(system)) return null;
  const operation = operationOf(attributes, span.kind);
  if (!operation) return null;
  const routingKey = read(attributes, "messaging.rabbitmq.destination.routing_key", "messaging.rabbitmq.routing_key");
  const named = read(attributes, "messaging.destination.name", "messaging.destination");
  // RabbitMQ's default exchange is unnamed: the routing key is then the queue's name.
  const destination = (named || routingKey || read(attributes, "messaging.destination.template") || "(unnamed)").slice(0, 256);
  const link = span.links?.[0];
  const partition = Number(read(attributes, "messaging.destination.partition.id", "messaging.kafka.destination.partition", "messaging.kafka.partition"));
  const size = Number(read(attributes, "messaging.message.body.size", "messaging.message.payload_size_bytes"));
  const statusCode = span.status?.code;
  const failed = statusCode === STATUS_CODE_ERROR || statusCode === "STATUS_CODE_ERROR" ? span.status?.message || "the span ended in error" : undefined;
  const optional = {
    messageId: read(attributes, "messaging.message.id", "messaging.message_id"),
    offset: read(attributes, "messaging.kafka.offset", "messaging.kafka.message.offset"),
    key: read(attributes, "messaging.kafka.message.key"),
    consumerGroup: read(attributes, "messaging.consumer.group.name", "messaging.kafka.consumer.group"),
    settlement: operation === "settle" ? read(attributes, "messaging.operation.name") : undefined,
    failed,
    partition: Number.isInteger(partition) && partition >= 0 ? partition : undefined,
    size: Number.isInteger(size) && size >= 0 ? size : undefined,
  };
  return {
    system,
    operation,
    destination,
    service: read(resource, "service.name") || "unknown_service",
    traceId: span.traceId,
    spanId: span.spanId,
    producerSpanId: operation === "publish" ? null : link?.spanId || span.parentSpanId || null,
    startMs: toMs(span.startTimeUnixNano),
    endMs: toMs(span.endTimeUnixNano),
    name: span.name,
    ...(Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)) as Partial<MessagingSpan>),
  };
}

/** Every messaging span of a request, with how many spans it held in all. */
export function messagingSpans(request: ExportTraceRequest): { spans: MessagingSpan[]; total: number } {
  const spans: MessagingSpan[] = [];
  let total = 0;
  for (const { resource, scopeSpans } of request.resourceSpans) {
    for (const scope of scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        total++;
        const messaging = messagingSpanOf(span, resource?.attributes);
        if (messaging) spans.push(messaging);
      }
    }
  }
  return { spans, total };
}

/** A broker's destination as a node of the picture, apart from any service of the same name. */
export function destinationNodeId(system: BrokerId, destination: string): string {
  return `${system}:${destination}`.slice(0, 64);
}

/** Verbs of a settle span that give the message back rather than let it go. */
const GIVES_BACK = new Set(["nack", "reject", "release", "requeue"]);

/**
 * The hops a messaging span stands for. A message is named after the producer's span, which the
 * consumer's span links to (or descends from): that is what ties a publish to its deliveries
 * without any id in the message itself.
 */
export function hopsOfSpan(span: MessagingSpan, scenarioId: string): MessageHopDraft[] {
  const service = span.service.slice(0, 64);
  const channel = destinationNodeId(span.system, span.destination);
  const message = {
    id: span.producerSpanId ?? span.spanId,
    traceId: span.traceId,
    destination: span.destination,
    attempt: 1,
    redelivered: false,
    size: span.size ?? 0,
    preview: (span.messageId ? `message id ${span.messageId}` : span.name).slice(0, 160),
    ...(span.partition !== undefined ? { partition: span.partition } : {}),
    ...(span.offset !== undefined ? { offset: span.offset.slice(0, 32) } : {}),
    ...(span.key !== undefined ? { key: span.key.slice(0, 128) } : {}),
  };
  const hop = (kind: MessageHopDraft["kind"], from: string, to: string, at: number, reason?: string): MessageHopDraft => ({
    scenarioId,
    broker: span.system,
    kind,
    from,
    to,
    at,
    message,
    source: "otlp",
    ...(reason ? { reason: reason.slice(0, 200) } : {}),
  });
  switch (span.operation) {
    case "publish":
      return span.failed ? [hop("published", service, channel, span.startMs), hop("dropped", channel, service, span.endMs, span.failed)] : [hop("published", service, channel, span.startMs)];
    case "receive":
      // A receive span waits for the message: it has it when the span ends.
      return [hop("delivered", channel, service, span.endMs)];
    case "process":
      return [hop("delivered", channel, service, span.startMs), span.failed ? hop("nacked", service, channel, span.endMs, span.failed) : hop("processed", service, channel, span.endMs)];
    case "settle": {
      const verb = span.settlement?.toLowerCase();
      return [verb && GIVES_BACK.has(verb) ? hop("nacked", service, channel, span.endMs, `${verb}`) : hop("acked", service, channel, span.endMs)];
    }
  }
}
