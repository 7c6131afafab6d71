import { z } from "zod";
import { measureIdSchema } from "../../lib/measurements";

/** The child's brief, in its environment: which path, which brokers, which names. */
export const MEASURE_CHILD_ENV = "HOPSCOPE_MEASURE_CHILD";

export const childSpecSchema = z.object({
  id: measureIdSchema,
  runId: z.string().regex(/^[a-z0-9]+$/),
  urls: z.object({ nats: z.string(), rabbitmq: z.string(), redis: z.string(), kafka: z.string() }),
});
export type ChildSpec = z.infer<typeof childSpecSchema>;

export const parentMessageSchema = z.discriminatedUnion("type", [
  /** Start counting (and timing, when `record`) from now. */
  z.object({ type: z.literal("mark"), record: z.boolean() }),
  /** Answer once `expected` messages arrived since the mark, or `waitMs` passed. */
  z.object({ type: z.literal("collect"), expected: z.number().int().nonnegative().nullable(), waitMs: z.number().nonnegative() }),
  z.object({ type: z.literal("close") }),
]);
export type ParentMessage = z.infer<typeof parentMessageSchema>;

export const childMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready"), port: z.number().int().positive().optional() }),
  z.object({ type: z.literal("failed"), error: z.string() }),
  z.object({ type: z.literal("marked") }),
  z.object({ type: z.literal("collected"), received: z.number().int().nonnegative(), elapsedMs: z.number().nonnegative(), latenciesMs: z.array(z.number()) }),
]);
export type ChildMessage = z.infer<typeof childMessageSchema>;
