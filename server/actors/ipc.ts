/** Messages between the server and an actor process, validated on both ends. */
import { z } from "zod";
import { namespaceIdSchema } from "../brokers/namespace";

export const actorCommandSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("publish"),
    count: z.number().int().min(1),
    payload: z.unknown().optional(),
    key: z.string().optional(),
    priority: z.number().int().optional(),
    ttlMs: z.number().int().optional(),
    exchange: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
  z.object({ type: z.literal("settings"), settings: z.record(z.string(), z.number()) }),
  z.object({ type: z.literal("cancel") }),
  /**
   * For measuring what hop reporting costs (`npm run bench`): "count" keeps the hops in the
   * actor as counts per kind instead of sending them. Answered with the tally since the last
   * such command, which starts a new one.
   */
  z.object({ type: z.literal("hop-reporting"), mode: z.enum(["on", "count"]) }),
  /** Where NATS (2.11 and newer) sends a trace of each core publish, while the broker's witness listens; null: no tracing. */
  z.object({ type: z.literal("nats-trace"), to: z.string().min(1).max(256).nullable() }),
]);
export type ActorCommand = z.infer<typeof actorCommandSchema>;

/** Hops an actor counted instead of sending: how many of each kind, and when the last one happened. */
export const hopTallySchema = z.object({ counts: z.record(z.string(), z.number().int().nonnegative()), lastAt: z.number().nonnegative() });
export type HopTally = z.infer<typeof hopTallySchema>;

export const parentMessageSchema = z.object({ t: z.literal("command"), id: z.number().int(), command: actorCommandSchema });
export type ParentMessage = z.infer<typeof parentMessageSchema>;

export const childMessageSchema = z.discriminatedUnion("t", [
  z.object({ t: z.literal("hops"), hops: z.array(z.unknown()) }),
  z.object({ t: z.literal("ready") }),
  z.object({ t: z.literal("status"), connected: z.boolean(), connections: z.array(z.string().max(32)).max(8).optional() }),
  z.object({ t: z.literal("result"), id: z.number().int(), ok: z.boolean(), result: z.unknown().optional(), error: z.string().optional() }),
  z.object({ t: z.literal("fatal"), error: z.string() }),
]);
export type ChildMessage = z.infer<typeof childMessageSchema>;

export const actorSpecSchema = z.object({
  id: z.string().min(1),
  /** The scenario's role name, e.g. "responder". */
  role: z.string().min(1),
  /** With the role, names the program that runs it (the scenario's declaration holds it). */
  scenarioId: z.string().min(1),
  /** The URL of its role's transport. */
  brokerUrl: z.string(),
  /** The URLs of the other transports its role speaks, by broker. */
  otherUrls: z.record(z.string(), z.string()).default({}),
  /** Prefixes every broker object it creates or consumes. */
  namespace: namespaceIdSchema,
  settings: z.record(z.string(), z.number()),
  /** As the `nats-trace` command, for an actor started while the witness listens. */
  natsTraceTo: z.string().min(1).max(256).nullable().default(null),
});
export type ActorSpec = z.infer<typeof actorSpecSchema>;

export const ACTOR_SPEC_ENV = "HOPSCOPE_ACTOR_SPEC";

/** An actor process's whole configuration: the spec its parent put in the environment. */
export function readActorSpec(env: Record<string, string | undefined> = process.env): ActorSpec {
  return actorSpecSchema.parse(JSON.parse(env[ACTOR_SPEC_ENV] ?? "null"));
}
