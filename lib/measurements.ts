import { z } from "zod";

/**
 * "Measure on this machine": what each broker does with its official client and no Hopscope tap
 * in the path. The guide shows these next to the seeds' claims; `npm run measure` and the guide's
 * button produce them, and one set from the development machine ships so the guide works offline.
 */
export const MEASURE_IDS = ["nats-request-reply", "nats-pubsub", "nats-jetstream", "rabbitmq", "redis-pubsub", "redis-streams", "kafka", "grpc-unary"] as const;
export type MeasureId = (typeof MEASURE_IDS)[number];

export const MEASURE_LABELS: Record<MeasureId, string> = {
  "nats-request-reply": "NATS request/reply",
  "nats-pubsub": "NATS pub/sub",
  "nats-jetstream": "JetStream",
  rabbitmq: "RabbitMQ (confirmed publish → consume)",
  "redis-pubsub": "Redis pub/sub",
  "redis-streams": "Redis Streams",
  kafka: "Kafka (produce → consume)",
  "grpc-unary": "gRPC unary",
};

export const measureIdSchema = z.enum(MEASURE_IDS);

/** How long and how hard a run measures; the defaults keep a whole run under two minutes. */
export const measureSettingsSchema = z
  .object({
    /** Messages per second while latency is sampled: moderate, so no queue builds up. */
    latencyRate: z.number().int().min(10).max(5_000).default(500),
    latencySeconds: z.number().min(0.5).max(30).default(3),
    throughputSeconds: z.number().min(0.5).max(30).default(3),
    payloadBytes: z.number().int().min(16).max(65_536).default(256),
    only: z.array(measureIdSchema).min(1).optional(),
  })
  .strict();
export type MeasureSettings = z.infer<typeof measureSettingsSchema>;

export const latencyFigureSchema = z.object({
  /** Milliseconds from send to the receiver (or the reply back at the caller). */
  p50Ms: z.number().nonnegative(),
  p99Ms: z.number().nonnegative(),
  samples: z.number().int().nonnegative(),
  /** What one sample times, in words: "request → reply", "publish → delivered". */
  path: z.string(),
});

export const throughputFigureSchema = z.object({
  /** Messages a second that made it all the way to the receiver, sustained over `seconds`. */
  messagesPerSecond: z.number().nonnegative(),
  messages: z.number().int().nonnegative(),
  seconds: z.number().positive(),
});

export const measureResultSchema = z.object({
  id: measureIdSchema,
  label: z.string(),
  latency: latencyFigureSchema.nullable(),
  throughput: throughputFigureSchema.nullable(),
  /** Why a figure is missing: the broker was down, the run failed. */
  error: z.string().optional(),
});
export type MeasureResult = z.infer<typeof measureResultSchema>;

export const machineSchema = z.object({
  cores: z.number().int().positive(),
  memoryGiB: z.number().positive(),
  cpu: z.string(),
  platform: z.string(),
  node: z.string(),
});
export type Machine = z.infer<typeof machineSchema>;

export const MEASUREMENTS_FORMAT = "hopscope-measurements";

export const measurementSetSchema = z.object({
  format: z.literal(MEASUREMENTS_FORMAT),
  version: z.literal(1),
  machine: machineSchema,
  /** ISO time the run started. */
  measuredAt: z.string(),
  durationMs: z.number().nonnegative(),
  settings: z.object({ latencyRate: z.number(), latencySeconds: z.number(), throughputSeconds: z.number(), payloadBytes: z.number() }),
  results: z.array(measureResultSchema),
});
export type MeasurementSet = z.infer<typeof measurementSetSchema>;

/** A run in progress or ended, as the guide polls it. */
export const measureRunSchema = z.object({
  state: z.enum(["running", "done", "failed"]),
  startedAt: z.string(),
  /** Steps finished and in all: each broker's latency and throughput are a step each. */
  done: z.number().int().nonnegative(),
  total: z.number().int().positive(),
  /** What is being measured now, in words. */
  current: z.string().nullable(),
  error: z.string().optional(),
  result: measurementSetSchema.optional(),
});
export type MeasureRun = z.infer<typeof measureRunSchema>;
