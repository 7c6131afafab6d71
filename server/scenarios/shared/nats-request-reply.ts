/**
 * Request/reply over core NATS, as the request-reply scenario and the order story both use it:
 * a requester that times out and retries, and responders in a queue group that answer one
 * request at a time.
 */
import { ErrorCode, type Msg, type NatsConnection, type NatsError } from "nats";
import { workLoop } from "../../actors/kit";
import { describeMessage, sleep, type ActorContext } from "../../actors/runtime";
import { ATTEMPT_HEADER, MESSAGE_ID_HEADER, messageHeaders, TRACE_ID_HEADER } from "../../brokers/nats";

export interface RequestPlan {
  subject: string;
  channelId: string;
  /** Why a request nobody could answer (503) is dropped. */
  noResponders: string;
  /** Why a request is dropped once its last retry timed out. */
  timedOut: string;
}

type RequesterContext = ActorContext<"timeoutMs" | "retries">;

/**
 * Sends one request and retries it after each timeout, up to `retries` times. Resolves with the
 * reply, or null once the request has been dropped; its hops say which and why.
 */
export async function requestWithRetries(ctx: RequesterContext, nc: NatsConnection, plan: RequestPlan, request: { id: string; traceId?: string; body: Uint8Array }): Promise<{ data: Uint8Array; attempt: number } | null> {
  const self = ctx.spec.id;
  const { id, body } = request;
  const traceId = request.traceId ?? id;
  const maxAttempts = 1 + ctx.settings.retries;
  const describe = (attempt: number, payload: Uint8Array) => describeMessage({ id, traceId, destination: plan.subject, attempt, redelivered: attempt > 1 }, payload);
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const timeoutMs = ctx.settings.timeoutMs;
    const message = describe(attempt, body);
    const h = messageHeaders(id, ctx.natsTraceTo);
    h.set(TRACE_ID_HEADER, traceId);
    h.set(ATTEMPT_HEADER, String(attempt));
    ctx.emit({ kind: attempt === 1 ? "published" : "retry", from: self, to: plan.channelId, message });
    const started = performance.now();
    try {
      const reply = await nc.request(ctx.names.name(plan.subject), body, { timeout: timeoutMs, headers: h });
      const rttMs = performance.now() - started;
      ctx.emit({ kind: "reply-received", from: plan.channelId, to: self, message: describe(attempt, reply.data), rttMs });
      return { data: reply.data, attempt };
    } catch (error) {
      const code = (error as NatsError).code;
      if (code === ErrorCode.NoResponders) {
        ctx.emit({ kind: "dropped", from: plan.channelId, to: self, message, reason: plan.noResponders });
        return null;
      }
      if (code !== ErrorCode.Timeout) {
        ctx.emit({ kind: "dropped", from: self, to: self, message, reason: `request failed: ${(error as Error).message}`.slice(0, 200) });
        return null;
      }
      ctx.emit({ kind: "timeout", from: self, to: self, message, reason: `no reply within ${timeoutMs} ms` });
    }
  }
  ctx.emit({ kind: "dropped", from: self, to: self, message: describe(maxAttempts, body), reason: plan.timedOut });
  return null;
}

export interface AnswerPlan {
  subject: string;
  queueGroup: string;
  channelId: string;
  /** How long one answer takes, read for each request. */
  delayMs: () => number;
  /** The reply to a request (its body, parsed as JSON where it is), and a word on it where it is not the usual one (a declined payment). */
  answer: (request: unknown) => { reply: unknown; reason?: string };
}

/**
 * Answers requests in a queue group one at a time, as a single-threaded service would. Each is
 * reported on arrival: what NATS handed this process and it had not answered yet dies with it
 * when it is killed, the at-most-once lesson, and the requester's retry finds another member.
 */
export async function answerInQueueGroup(ctx: ActorContext<string>, nc: NatsConnection, plan: AnswerPlan): Promise<void> {
  const self = ctx.spec.id;
  const fieldsOf = (msg: Msg) => {
    const id = msg.headers?.get(MESSAGE_ID_HEADER) || `untracked-${msg.sid}`;
    const attempt = Number(msg.headers?.get(ATTEMPT_HEADER)) || 1;
    return { id, traceId: msg.headers?.get(TRACE_ID_HEADER) || id, destination: plan.subject, attempt, redelivered: attempt > 1 };
  };
  const work = workLoop(async (msg: Msg) => {
    const fields = fieldsOf(msg);
    const delayMs = plan.delayMs();
    if (delayMs > 0) await sleep(delayMs);
    const { reply, reason } = plan.answer(parseRequest(msg.data));
    const body = new TextEncoder().encode(JSON.stringify(reply));
    // A reply goes to the requester's inbox, not to a subject anyone is shown: not traced.
    const h = messageHeaders(fields.id, null);
    h.set(TRACE_ID_HEADER, fields.traceId);
    h.set(ATTEMPT_HEADER, String(fields.attempt));
    // Left to the usual short hold, not handed over now: a hop sent here woke the server while
    // the reply was on its way, and that wake-up landed in the round trip the requester times.
    ctx.emit({ kind: "replied", from: self, to: plan.channelId, message: describeMessage(fields, body), ...(reason ? { reason } : {}) });
    msg.respond(body, { headers: h });
  });
  nc.subscribe(ctx.names.name(plan.subject), {
    queue: ctx.names.name(plan.queueGroup),
    callback: (error, msg) => {
      if (error) return ctx.log(error.message);
      ctx.emit({ kind: "delivered", from: plan.channelId, to: self, message: describeMessage(fieldsOf(msg), msg.data) });
      work(msg);
    },
  });
  // Ready only once the server knows the subscription, so the first request finds it.
  await nc.flush();
}

function parseRequest(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(data)) as unknown;
  } catch {
    return null;
  }
}
