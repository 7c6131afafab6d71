import type { Redis } from "ioredis";
import { describeMessage, listening, type ActorContext, type ActorProgram } from "../../actors/runtime";
import { field, joinStreamGroup, type StreamGroupMember, type StreamJob } from "../shared/redis-stream-group";
import { channelIdOf, eventId, eventsReadBy, isSagaEvent, STATE_OF, streamOf, type SagaEvent, type Service } from "./names";

/** What every event of a saga carries in its payload, beside what its step adds. */
export interface EventBody {
  orderId: string;
  [detail: string]: unknown;
}

/** What a service does about one event: its own state for the order, and the event that follows. */
export interface Reaction {
  /** Written with the ack; absent, the state stays as the decision left it. */
  state?: string;
  next?: { event: SagaEvent; body: EventBody };
}

/** What a service's step may use: its connection, and its own state for the order. */
export interface StepTools {
  self: string;
  /**
   * The service's answer for this order, made once: a step redone after a kill (or a claim)
   * must give the answer its first attempt may already have announced.
   */
  decide(orderId: string, answer: () => string): Promise<string>;
}

export interface SagaServiceSpec {
  service: Service;
  /** How long a step takes; the entry is held all the while, so no colleague claims it. */
  workMs: () => number;
  react: (event: SagaEvent, body: EventBody, tools: StepTools) => Promise<Reaction>;
}

/**
 * Acks the entry, writes the service's state and adds the next event, all or nothing, and only
 * while the entry is still this consumer's: one that stalled past the idle time and lost it to
 * a colleague's claim must not add the next event a second time.
 * KEYS: the entry's stream, the service's state, the next event's stream.
 * ARGV: group, entry id, consumer, order id, state ("" leaves it), then the next entry's fields.
 */
const COMMIT_STEP = `
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)[1]
if not pending or pending[2] ~= ARGV[3] then return 0 end
if ARGV[5] ~= '' then redis.call('HSET', KEYS[2], ARGV[4], ARGV[5]) end
if #ARGV > 5 then redis.call('XADD', KEYS[3], '*', unpack(ARGV, 6)) end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
return 1
`;

/** The fields of an event's entry: its id and trace travel beside the payload, as hops need them. */
export function entryFields(orderId: string, event: SagaEvent, body: EventBody): { id: string; payload: string; fields: string[] } {
  const id = eventId(orderId, event);
  const payload = JSON.stringify(body);
  return { id, payload, fields: ["messageId", id, "traceId", orderId, "payload", payload] };
}

export function describeEvent(orderId: string, event: SagaEvent, payload: string) {
  return describeMessage({ id: eventId(orderId, event), traceId: orderId, destination: event, attempt: 1, redelivered: false }, Buffer.from(payload));
}

function bodyOf(job: StreamJob): EventBody | null {
  const orderId = field(job.fields, "traceId");
  if (!orderId) return null;
  try {
    const parsed = JSON.parse(field(job.fields, "payload") ?? "{}") as unknown;
    return { ...(typeof parsed === "object" && parsed !== null ? parsed : {}), orderId };
  } catch {
    return { orderId };
  }
}

function decider(redis: Redis, key: string): StepTools["decide"] {
  return async (orderId, answer) => {
    const fresh = answer();
    if ((await redis.hsetnx(key, orderId, fresh)) === 1) return fresh;
    return (await redis.hget(key, orderId)) ?? fresh;
  };
}

/**
 * One member of a saga service: it reads its events in the service's group, one per stream, and
 * answers each with a step. The next event's hop leaves before the commit, so that a kill after
 * the commit cannot hide from the server an event the next service will read; killed before
 * the commit, the entry is claimed and the step redone with the same answer and message ids.
 */
export async function joinSaga(ctx: ActorContext<"minIdleMs">, spec: SagaServiceSpec): Promise<StreamGroupMember> {
  const self = ctx.spec.id;
  const group = spec.service;
  const stateKey = ctx.names.redis(STATE_OF[spec.service]);
  // From the start of each stream: an event added before its group existed still needs a reader.
  const member = await joinStreamGroup(ctx, { group, from: "0", streams: eventsReadBy(spec.service).map(streamOf), destinationOf: (job) => job.stream.name });
  const tools: StepTools = { self, decide: decider(member.commands, stateKey) };

  member.consume(async (job) => {
    const event = job.stream.name;
    const body = bodyOf(job);
    if (!isSagaEvent(event) || !body) {
      // Not a saga's event (written by hand, say): acked so it does not wait for ever.
      await member.commands.xack(member.keyOf(job.stream), group, job.entryId);
      return;
    }
    if (!(await member.hold(job, spec.workMs()))) {
      ctx.log(`${event} ${job.entryId} was claimed from me while I stalled; the colleague does this step`);
      return;
    }
    const reaction = await spec.react(event, body, tools);
    const next = reaction.next ? { event: reaction.next.event, ...entryFields(body.orderId, reaction.next.event, reaction.next.body) } : null;
    if (next) {
      ctx.emit({ kind: "published", from: self, to: channelIdOf(next.event), message: describeEvent(body.orderId, next.event, next.payload) });
      await ctx.flush();
    }
    const source = member.keyOf(job.stream);
    const nextKey = next ? ctx.names.redis(next.event) : source;
    const committed = await member.commands.eval(COMMIT_STEP, 3, source, stateKey, nextKey, group, job.entryId, self, body.orderId, reaction.state ?? "", ...(next?.fields ?? []));
    if (committed === 1) {
      ctx.emit({ kind: "acked", from: self, to: job.stream.channelId, message: member.describe(job, job.deliveries, job.deliveries > 1) });
      return;
    }
    // Claimed from under this member after its last hold: the colleague redoes the step with the
    // same answer and ids, and the ledger counts that event once.
    ctx.log(`${event} ${job.entryId} was claimed from me as I committed; the colleague does this step`);
  });
  return member;
}

/**
 * The program of a service whose members only react to events: each step takes the scenario's
 * work time, and `react` reads the settings of its role.
 */
export function reactingService<K extends string>(service: Service, react: (event: SagaEvent, body: EventBody, tools: StepTools, settings: Readonly<Record<K, number>>) => Promise<Reaction>): ActorProgram<K | "delayMs" | "minIdleMs"> {
  return async (ctx) => {
    const member = await joinSaga(ctx, { service, workMs: () => ctx.settings.delayMs, react: (event, body, tools) => react(event, body, tools, ctx.settings) });
    return listening(() => member.close());
  };
}
