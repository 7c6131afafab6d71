/**
 * The seeds' stories across brokers (place an order, post a message, request a ride, transfer
 * money) share one shape: a front service asks over NATS and waits for each answer, queues
 * durable jobs on RabbitMQ, and tells every listening service on Redis. A story is a plan of
 * those steps; these programs play it, each step on the broker that suits it. One business
 * action is one trace: its first request carries the action's id as its own, every other
 * message derives its id from it.
 */
import type { Channel, ConfirmChannel, ConsumeMessage } from "amqplib";
import { encodeBody, openAmqpActor, replaceMe, workLoop } from "../../actors/kit";
import { describeMessage, listening, messageIds, now, sleep, type ActorContext, type ActorProgram } from "../../actors/runtime";
import type { Namespace } from "../../brokers/namespace";
import { connectNats } from "../../brokers/nats";
import { explainDeclareError, TRACE_ID_HEADER as AMQP_TRACE_HEADER } from "../../brokers/rabbitmq";
import type { Redis } from "ioredis";
import { createRedis, ready } from "../../brokers/redis";
import { z } from "zod";
import { describeZodError } from "../../../lib/protocol";
import type { PublishCheck } from "../model";
import { answerInQueueGroup, requestWithRetries, type AnswerPlan, type RequestPlan } from "./nats-request-reply";

/** Ask over NATS and wait: the action goes on only if the answer lets it. */
export interface RequestStep extends RequestPlan {
  step: "request";
  /** The responders' queue group: each request reaches one of them. */
  queueGroup: string;
  /** Why the action stops here, given the reply; null lets it go on. */
  refusal: (reply: unknown) => string | null;
  /** What the request carries, from the action. */
  body?: (action: Action) => unknown;
}

export interface Job {
  /** The RabbitMQ queue (the seed's name; the broker sees it in the instance's namespace). */
  queue: string;
  channelId: string;
  /** Names the job's message: `<action id>/<name>`. */
  name: string;
  /** Only for some actions (a post's images): queued when this says so. */
  when?: (action: Action) => boolean;
  payload?: (action: Action) => unknown;
}

/** Durable jobs, queued together, each published once the broker confirms it has it. */
export interface JobsStep {
  step: "jobs";
  jobs: readonly Job[];
}

/** Tell every service listening right now; one not listening misses it (at-most-once). */
export interface BroadcastStep {
  step: "broadcast";
  channel: string;
  channelId: string;
  /** The event's name: it names the message too, `<action id>/<event>`. */
  event: string;
  /** The field that carries the action's id in the event, e.g. "orderId". */
  idField: string;
  payload?: (action: Action) => Record<string, unknown>;
  /** Why a broadcast nobody heard is dropped. */
  noSubscribers: string;
}

export type StoryStep = RequestStep | JobsStep | BroadcastStep;

/** One business action as the front service has it: its id and what the presenter sent. */
export interface Action {
  id: string;
  n: number;
  data: Record<string, unknown>;
}

/**
 * Something else the front announces, picked by the publish command's key (a driver going on or
 * off duty): it writes the fact, then broadcasts it, one trace of its own.
 */
export interface StoryEvent {
  broadcast: BroadcastStep;
  /** What the presenter may send for it; anything, if unset. */
  payload?: z.ZodType;
  /** Writes what the event announces and returns what the event carries; `given` is the presenter's payload. */
  record: (redis: Redis, names: Namespace, n: number, given: Record<string, unknown> | null) => Promise<Record<string, unknown>>;
}

export interface StoryPlan {
  steps: readonly StoryStep[];
  /** Where the front also announces events: the publish key that means the story's action, and each event's key. */
  actionKey?: string;
  events?: Readonly<Record<string, StoryEvent>>;
  /** Sets up what the story's services read (a roster), once, when the front starts. */
  prepare?: (redis: Redis, names: Namespace) => Promise<void>;
  /** Every queue the story's jobs use, declared durable by the front and by each worker. */
  queues: readonly string[];
  /** A sample action, when the presenter sends no payload. */
  sample: (id: string, n: number) => Record<string, unknown>;
  /** What a presenter's own action must look like: the fields the story's steps read. */
  payload: z.ZodType<Record<string, unknown>>;
  /** Why an action is dropped when the front has to go before it finished. */
  frontLeft: string;
}

/**
 * The server's check of a story's publish: a key names the action or one of its events, and a
 * payload has the fields the steps will read, so a typo is a 400 rather than a half-told story.
 */
export function storyPublishCheck(plan: StoryPlan): PublishCheck {
  const keys = [plan.actionKey, ...Object.keys(plan.events ?? {})].filter((key): key is string => key !== undefined);
  return ({ key, payload }) => {
    const event = key !== undefined && key !== plan.actionKey ? plan.events?.[key] : undefined;
    if (key !== undefined && key !== plan.actionKey && !event) {
      return keys.length ? `key: must be ${keys.map((k) => `"${k}"`).join(" or ")}` : "key: this story takes no key";
    }
    const schema = event ? event.payload : plan.payload;
    if (payload === undefined || !schema) return null;
    const parsed = z.object({ payload: schema }).safeParse({ payload });
    return parsed.success ? null : describeZodError(parsed.error);
  };
}

/** Declares a story's queues, durable, each in the instance's namespace. */
export function declareQueues(queues: readonly string[]): (channel: Channel, names: Namespace) => Promise<void> {
  return async (channel, names) => {
    const named = queues.map((queue) => names.name(queue));
    try {
      for (const queue of named) await channel.assertQueue(queue, { durable: true });
    } catch (error) {
      throw explainDeclareError(error, named);
    }
  };
}

/** Connected only while every named connection is: the picture names each one. */
export function connectionTracker(ctx: ActorContext<string>, names: readonly string[]) {
  const up = new Map(names.map((name) => [name, true]));
  ctx.setConnections([...up.keys()]);
  return (name: string) => (connected: boolean) => {
    up.set(name, connected);
    ctx.setConnected([...up.values()].every(Boolean));
  };
}

/**
 * Queues one of an action's durable jobs, reported as published once the broker confirms it has
 * it; a job the broker refused is a broken promise, said as its drop.
 */
export function queueJob(ctx: Pick<ActorContext<string>, "spec" | "names" | "emit">, channel: ConfirmChannel, action: Action, job: Job): Promise<boolean> {
  const self = ctx.spec.id;
  const id = `${action.id}/${job.name}`;
  const body = encodeBody(job.payload ? job.payload(action) : { job: job.name, id: action.id, ...action.data });
  const message = describeMessage({ id, traceId: action.id, destination: job.queue, attempt: 1, redelivered: false }, body);
  const publishedAt = now();
  return new Promise((resolve) => {
    const options = { persistent: true, messageId: id, headers: { [AMQP_TRACE_HEADER]: action.id }, contentType: "application/json" };
    channel.sendToQueue(ctx.names.name(job.queue), body, options, (error) => {
      ctx.emit({ kind: "published", broker: "rabbitmq", from: self, to: job.channelId, message, at: publishedAt });
      if (error) {
        ctx.emit({ kind: "dropped", broker: "rabbitmq", from: job.channelId, to: self, message, reason: `not confirmed: ${(error as Error).message ?? error}`.slice(0, 200) });
        return resolve(false);
      }
      ctx.emit({ kind: "confirmed", broker: "rabbitmq", from: job.channelId, to: self, message, rttMs: now() - publishedAt });
      resolve(true);
    });
  });
}

function parseJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(data).toString()) as unknown;
  } catch {
    return null;
  }
}

/**
 * The front service of a story: plays its steps in order for each action. An action stops at a
 * request whose answer refuses it (flagged, no driver, no funds), said as that request's drop;
 * a job the broker would not confirm is a broken promise, and the rest of the plan never runs.
 */
export function storyFront(plan: StoryPlan): ActorProgram<"timeoutMs" | "retries"> {
  return async (ctx) => {
    const self = ctx.spec.id;
    const onConnected = connectionTracker(ctx, ["nats", "rabbitmq", "redis"]);
    const nc = await connectNats({ url: ctx.urlOf("nats"), name: self, onConnectedChange: onConnected("nats") });
    // Losing RabbitMQ ends this front (the kit's policy): its unfinished actions are reported below.
    const { connection, channel } = await openAmqpActor(ctx, { confirm: true, declare: declareQueues(plan.queues), url: ctx.urlOf("rabbitmq") });
    // A broadcast sent while Redis is away fails at once rather than minutes later.
    const redis = createRedis({ url: ctx.urlOf("redis"), name: self, onConnectedChange: onConnected("redis"), queueWhileOffline: false });
    await ready(redis);
    await plan.prepare?.(redis, ctx.names);
    const nextId = messageIds();
    const first = plan.steps.find((step): step is RequestStep => step.step === "request");
    // Actions not yet past their last job's confirm: a front that has to go says so for each,
    // rather than leave them in flight for ever.
    const unfinished = new Set<string>();
    ctx.onLeave(() => {
      for (const actionId of unfinished) {
        const message = describeMessage({ id: actionId, destination: first?.subject ?? "", attempt: 1, redelivered: false }, Buffer.alloc(0));
        ctx.emit({ kind: "dropped", from: self, to: self, message, reason: plan.frontLeft });
      }
    });

    /** True if the answer lets the action go on; a refusal ends it here, said as its drop. */
    async function ask(action: Action, step: RequestStep): Promise<boolean> {
      const id = step === first ? action.id : `${action.id}/${step.subject}`;
      const reply = await requestWithRetries(ctx, nc, step, { id, traceId: action.id, body: encodeBody(step.body ? step.body(action) : action.data) });
      if (!reply) return false;
      const refusal = step.refusal(parseJson(reply.data));
      if (refusal === null) return true;
      const message = describeMessage({ id, traceId: action.id, destination: step.subject, attempt: reply.attempt, redelivered: reply.attempt > 1 }, reply.data);
      ctx.emit({ kind: "dropped", from: self, to: self, message, reason: refusal });
      return false;
    }

    /** Redis's answer settles it: handed to that many subscribers, or to nobody. */
    async function broadcast(action: Action, step: BroadcastStep): Promise<void> {
      const messageId = `${action.id}/${step.event}`;
      const body = JSON.stringify({ event: step.event, [step.idField]: action.id, ...step.payload?.(action), messageId });
      const message = describeMessage({ id: messageId, traceId: action.id, destination: step.channel, attempt: 1, redelivered: false }, Buffer.from(body));
      const publishedAt = now();
      try {
        const receivers = await redis.publish(ctx.names.redis(step.channel), body);
        ctx.emit({ kind: "published", broker: "redis", from: self, to: step.channelId, message, at: publishedAt });
        if (receivers > 0) ctx.emit({ kind: "confirmed", broker: "redis", from: step.channelId, to: self, message, receivers, rttMs: now() - publishedAt });
        else ctx.emit({ kind: "dropped", broker: "redis", from: step.channelId, to: self, message, receivers: 0, reason: step.noSubscribers });
      } catch (error) {
        ctx.emit({ kind: "published", broker: "redis", from: self, to: step.channelId, message, at: publishedAt });
        ctx.emit({ kind: "dropped", broker: "redis", from: self, to: self, message, reason: `Redis refused the publish: ${(error as Error).message}`.slice(0, 200) });
      }
    }

    /** An event's broadcast carries what was recorded, as it was recorded. */
    function announce(action: Action, step: BroadcastStep): Promise<void> {
      return broadcast(action, { ...step, payload: () => action.data });
    }

    // Past its last job's confirm, an action holds no promise of the front's: what is left is
    // fire-and-forget, and a front that goes then has nothing to drop.
    const lastPromise = plan.steps.reduce((last, step, i) => (step.step === "broadcast" ? last : i), -1);

    async function play(action: Action): Promise<void> {
      unfinished.add(action.id);
      try {
        for (const [i, step] of plan.steps.entries()) {
          if (step.step === "request" && !(await ask(action, step))) return;
          if (step.step === "jobs") {
            const wanted = step.jobs.filter((job) => job.when?.(action) ?? true);
            const queued = await Promise.all(wanted.map((job) => queueJob(ctx, channel, action, job)));
            if (!queued.every(Boolean)) return;
          }
          if (step.step === "broadcast") await broadcast(action, step);
          if (i === lastPromise) unfinished.delete(action.id);
        }
      } finally {
        unfinished.delete(action.id);
      }
    }

    return {
      async handle(command) {
        if (command.type !== "publish") return null;
        const given = typeof command.payload === "object" && command.payload !== null ? (command.payload as Record<string, unknown>) : null;
        const event = command.key !== undefined && command.key !== plan.actionKey ? plan.events?.[command.key] : undefined;
        if (command.key !== undefined && command.key !== plan.actionKey && !event) {
          throw new Error(`key must be ${[plan.actionKey, ...Object.keys(plan.events ?? {})].filter(Boolean).join(" or ")}`);
        }
        const ids: string[] = [];
        for (let i = 0; i < command.count; i++) {
          const { id, n } = nextId();
          ids.push(id);
          if (event) await announce({ id, n, data: await event.record(redis, ctx.names, n, given) }, event.broadcast);
          else void play({ id, n, data: given ?? plan.sample(id, n) });
        }
        return { messageIds: ids };
      },
      async close() {
        await Promise.allSettled([nc.close(), connection.close()]);
        redis.disconnect();
      },
    };
  };
}

/** How many unacked jobs a worker holds: a kill gives them all back to the queue. */
const JOB_PREFETCH = 5;

/**
 * A worker of one job queue, one job at a time with manual acks. Whatever it holds when it dies,
 * RabbitMQ puts back in the queue for its colleagues, marked redelivered.
 */
export function storyJobWorker(queue: string, channelId: string, queues: readonly string[]): ActorProgram<"jobDelayMs"> {
  return async (ctx) => {
    const self = ctx.spec.id;
    const { connection, channel } = await openAmqpActor(ctx, { confirm: false, declare: declareQueues(queues), prefetch: JOB_PREFETCH });
    const describe = (msg: ConsumeMessage) => {
      const id = String(msg.properties.messageId ?? `untracked-${msg.fields.deliveryTag}`);
      const traceId = msg.properties.headers?.[AMQP_TRACE_HEADER];
      return describeMessage({ id, traceId: typeof traceId === "string" ? traceId : id, destination: queue, attempt: msg.fields.redelivered ? 2 : 1, redelivered: msg.fields.redelivered }, msg.content);
    };
    const work = workLoop(async (msg: ConsumeMessage) => {
      if (ctx.settings.jobDelayMs > 0) await sleep(ctx.settings.jobDelayMs);
      // Reported before the ack leaves: RabbitMQ cannot be asked later whether it got an ack, so
      // a hop lost to a kill after it would leave the job in flight for good. Killed in between,
      // the job is requeued and done again: a duplicate, counted.
      ctx.emit({ kind: "acked", from: self, to: channelId, message: describe(msg) });
      await ctx.flush();
      channel.ack(msg);
    });
    await channel.consume(
      ctx.names.name(queue),
      (msg) => {
        if (!msg) return replaceMe(ctx, "the broker cancelled the consumer (its queue went away)");
        ctx.emit({ kind: msg.fields.redelivered ? "redelivered" : "delivered", from: channelId, to: self, message: describe(msg) });
        work(msg);
      },
      { noAck: false },
    );
    return {
      async handle() {
        return null;
      },
      async close() {
        await connection.close().catch(() => undefined);
      },
    };
  };
}

/**
 * A service that wants every event of a channel, but only hears those sent while it listens.
 * `idField` names the action's id in the event: it is the trace.
 */
export function storySubscriber(step: Pick<BroadcastStep, "channel" | "channelId" | "idField">): ActorProgram {
  return async (ctx) => {
    const self = ctx.spec.id;
    const subscriber = createRedis({ url: ctx.spec.brokerUrl, name: self, onConnectedChange: ctx.setConnected });
    await ready(subscriber);
    subscriber.on("message", (_channel: string, body: string) => {
      const event = parseJson(Buffer.from(body)) as Record<string, unknown> | null;
      const messageId = event?.messageId;
      const traceId = event?.[step.idField];
      // Only events that name themselves are part of the story.
      if (typeof messageId !== "string" || typeof traceId !== "string") return;
      ctx.emit({ kind: "delivered", from: step.channelId, to: self, message: describeMessage({ id: messageId, traceId, destination: step.channel, attempt: 1, redelivered: false }, Buffer.from(body)) });
    });
    await subscriber.subscribe(ctx.names.redis(step.channel));
    return listening(() => subscriber.disconnect());
  };
}

/**
 * A service that answers one of a story's requests in a queue group, one at a time. What NATS
 * handed a killed member and it had not answered dies with it; the front's retry finds another.
 */
export function storyResponder<K extends string>(step: Pick<RequestStep, "subject" | "channelId" | "queueGroup">, answer: (ctx: ActorContext<K>, request: unknown) => ReturnType<AnswerPlan["answer"]>, delayMs: (ctx: ActorContext<K>) => number): ActorProgram<K> {
  return async (ctx) => {
    const nc = await connectNats({ url: ctx.spec.brokerUrl, name: ctx.spec.id, onConnectedChange: ctx.setConnected });
    await answerInQueueGroup(ctx, nc, { subject: step.subject, queueGroup: step.queueGroup, channelId: step.channelId, delayMs: () => delayMs(ctx), answer: (request) => answer(ctx, request) });
    return listening(() => nc.drain());
  };
}
