/**
 * Every hop of grpc-inventory comes from these two interceptors, none from the handlers: the
 * client's sees each call as the application made it (grpc-js retries below it, out of its
 * sight), the server's sees each attempt that reached that server. What a handler does is its
 * own business; what crossed the wire is what the audience sees.
 *
 * The ledger counts calls: a call is one message, published when the client sends it, delivered
 * to every server an attempt reached (a retried attempt says so: `grpc-previous-rpc-attempts`),
 * replied by the server whose answer the client got, completed when the client has the status
 * OK, or dropped with the status it ended with. A streamed message is a message of its own
 * (`<call>~c<n>` from the client, `<call>~s<n>` from the server, in the call's trace), completed
 * when the other side's interceptor handed it on (`processed`); a call that ends short drops
 * those it had not finished, so none stays in flight.
 */
import * as grpc from "@grpc/grpc-js";
import type { MessageDescriptor } from "../../../lib/protocol";
import { previewOf, type ActorContext } from "../../actors/runtime";
import { ATTEMPT_KEY, DEADLINE_KEY, destinationOf, dropReason, ID_KEY, inventoryService, METHODS, PREVIOUS_ATTEMPTS_KEY, SERVER_KEY, SERVICE, SERVICE_CHANNEL_ID, TRACE_KEY, type Method } from "./names";

type Emitter = Pick<ActorContext<string>, "emit" | "spec">;

/** The InventoryService method a call path names; null for another service (health). */
export function methodOf(path: string): Method | null {
  return METHODS.find((m) => path === `/${SERVICE}/${m}`) ?? null;
}

const encoder = new TextEncoder();

/**
 * A message's size on the wire: its protobuf encoding. The receiving side has only the decoded
 * object, so it encodes it again with the service's own definition.
 */
function wireSize(method: Method, direction: "request" | "response", message: unknown): number {
  const definition = inventoryService().service[method];
  if (!definition) return 0;
  return (direction === "request" ? definition.requestSerialize(message) : definition.responseSerialize(message)).byteLength;
}

/** Size on the wire (the protobuf encoding), preview as the audience reads it (JSON). */
function descriptor(fields: { id: string; traceId: string; method: Method; attempt: number }, wireSize: number, preview: unknown): MessageDescriptor {
  const text = typeof preview === "string" ? preview : JSON.stringify(preview);
  return {
    id: fields.id,
    traceId: fields.traceId,
    destination: destinationOf(fields.method),
    attempt: fields.attempt,
    redelivered: fields.attempt > 1,
    size: wireSize,
    preview: previewOf(encoder.encode(text)),
  };
}

const firstString = (metadata: grpc.Metadata | null | undefined, key: string): string | undefined => {
  const value = metadata?.get(key)[0];
  return typeof value === "string" ? value : undefined;
};

const STREAM_OPENED = "(stream opened)";

/** How many messages the server owes a stream by the time it ends, as the client can tell. */
function expectedFromServer(method: Method, firstRequest: unknown, sent: number): number {
  if (method === "WatchStock") {
    const updates = (firstRequest as { updates?: unknown } | undefined)?.updates;
    return typeof updates === "number" ? updates : 0;
  }
  // Each reservation is answered on the same stream.
  return method === "Reserve" ? sent : 0;
}

/**
 * The client side: one interceptor per call. Its id and trace come in the call's metadata, set
 * by the program that made the call.
 */
export function clientInterceptor(ctx: Emitter): grpc.Interceptor {
  const self = ctx.spec.id;
  return (options, nextCall) => {
    const definition = options.method_definition;
    const method = methodOf(definition.path);
    if (!method) return new grpc.InterceptingCall(nextCall(options));
    let id = "";
    let traceId = "";
    let started = 0;
    let sent = 0;
    let received = 0;
    let firstRequest: unknown;
    const call = { method, attempt: 1 };
    const publishCall = (size: number, preview: unknown) => ctx.emit({ kind: "published", from: self, to: SERVICE_CHANNEL_ID, message: descriptor({ ...call, id, traceId }, size, preview) });
    return new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        id = firstString(metadata, ID_KEY) ?? `untracked-${Math.random().toString(16).slice(2, 10)}`;
        traceId = firstString(metadata, TRACE_KEY) ?? id;
        started = performance.now();
        if (definition.requestStream) publishCall(0, STREAM_OPENED);
        next(metadata, {
          onReceiveMessage(message: unknown, nextMessage) {
            if (definition.responseStream) {
              received++;
              const streamed = descriptor({ ...call, id: `${id}~s${received}`, traceId }, wireSize(method, "response", message), message);
              ctx.emit({ kind: "delivered", from: SERVICE_CHANNEL_ID, to: self, message: streamed });
              ctx.emit({ kind: "processed", from: self, to: self, message: streamed });
            }
            nextMessage(message);
          },
          onReceiveStatus(status, nextStatus) {
            const attempt = Number(firstString(status.metadata, ATTEMPT_KEY)) || 1;
            const fields = { method, attempt, id, traceId };
            if (status.code === grpc.status.OK) {
              const by = firstString(status.metadata, SERVER_KEY);
              ctx.emit({ kind: "reply-received", from: SERVICE_CHANNEL_ID, to: self, message: descriptor(fields, 0, `OK${by ? ` from ${by}` : ""}`), rttMs: performance.now() - started });
            } else {
              const reason = dropReason(status.code);
              ctx.emit({ kind: "dropped", from: SERVICE_CHANNEL_ID, to: self, message: descriptor(fields, 0, status.details || grpc.status[status.code] || ""), reason });
              // What was streamed and not handed on dies with the call. A message the other side
              // had processed is settled already, and one never sent never counted: neither changes.
              for (let n = 1; n <= sent; n++) ctx.emit({ kind: "dropped", from: self, to: self, message: descriptor({ ...fields, id: `${id}~c${n}` }, 0, ""), reason });
              for (let n = received + 1; n <= expectedFromServer(method, firstRequest, sent); n++) {
                ctx.emit({ kind: "dropped", from: SERVICE_CHANNEL_ID, to: self, message: descriptor({ ...fields, id: `${id}~s${n}` }, 0, ""), reason });
              }
            }
            nextStatus(status);
          },
        });
      },
      sendMessage(message: unknown, next) {
        const size = definition.requestSerialize(message).byteLength;
        if (!definition.requestStream) {
          firstRequest = message;
          publishCall(size, message);
        } else {
          sent++;
          ctx.emit({ kind: "published", from: self, to: SERVICE_CHANNEL_ID, message: descriptor({ ...call, id: `${id}~c${sent}`, traceId }, size, message) });
        }
        next(message);
      },
    });
  };
}

/** The server side: one interceptor per attempt that reached this server. */
export function serverInterceptor(ctx: Emitter): grpc.ServerInterceptor {
  const self = ctx.spec.id;
  return (definition, call) => {
    const method = methodOf(definition.path);
    // The health service is plumbing, not part of the story.
    if (!method) return new grpc.ServerInterceptingCall(call);
    let fields = { id: "", traceId: "", method, attempt: 1 };
    let clientDeadline = Infinity;
    let received = 0;
    let sent = 0;
    let ended = false;
    let reply: unknown = null;
    let replySize = 0;
    return new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, nextMetadata) {
            const id = firstString(metadata, ID_KEY) ?? `untracked-${Math.random().toString(16).slice(2, 10)}`;
            const attempt = (Number(firstString(metadata, PREVIOUS_ATTEMPTS_KEY)) || 0) + 1;
            fields = { id, traceId: firstString(metadata, TRACE_KEY) ?? id, method, attempt };
            clientDeadline = Number(firstString(metadata, DEADLINE_KEY)) || Infinity;
            if (definition.requestStream) ctx.emit({ kind: "delivered", from: SERVICE_CHANNEL_ID, to: self, message: descriptor(fields, 0, STREAM_OPENED) });
            nextMetadata(metadata);
          },
          onReceiveMessage(message: unknown, nextMessage) {
            const size = wireSize(method, "request", message);
            if (!definition.requestStream) {
              ctx.emit({ kind: "delivered", from: SERVICE_CHANNEL_ID, to: self, message: descriptor(fields, size, message) });
            } else {
              received++;
              const streamed = descriptor({ ...fields, id: `${fields.id}~c${received}` }, size, message);
              ctx.emit({ kind: "delivered", from: SERVICE_CHANNEL_ID, to: self, message: streamed });
              ctx.emit({ kind: "processed", from: self, to: self, message: streamed });
            }
            nextMessage(message);
          },
          onCancel() {
            if (ended) return;
            ended = true;
            // The client gave up (its deadline passed, or it cancelled), or its connection went.
            const deadline = call.getDeadline();
            const own = deadline instanceof Date ? deadline.getTime() : deadline;
            const passed = Math.min(own, clientDeadline) <= Date.now();
            ctx.emit({ kind: passed ? "timeout" : "nacked", from: self, to: SERVICE_CHANNEL_ID, message: descriptor(fields, 0, ""), reason: passed ? "the deadline passed: the server stops working on it" : "the client cancelled the call" });
          },
        });
      },
      sendMessage(message: unknown, next) {
        const size = definition.responseSerialize(message).byteLength;
        if (definition.responseStream) {
          sent++;
          ctx.emit({ kind: "published", from: self, to: SERVICE_CHANNEL_ID, message: descriptor({ ...fields, id: `${fields.id}~s${sent}` }, size, message) });
        } else {
          reply = message;
          replySize = size;
        }
        next(message);
      },
      sendStatus(status, next) {
        if (!ended) {
          ended = true;
          if (status.code === grpc.status.OK) {
            ctx.emit({ kind: "replied", from: self, to: SERVICE_CHANNEL_ID, message: descriptor(fields, replySize, reply ?? "OK") });
          } else {
            ctx.emit({ kind: "nacked", from: self, to: SERVICE_CHANNEL_ID, message: descriptor(fields, 0, status.details ?? ""), reason: dropReason(status.code ?? grpc.status.UNKNOWN) });
          }
        }
        // Tells the client which attempt this server answered, and who answered it.
        const trailers = status.metadata ?? new grpc.Metadata();
        trailers.set(ATTEMPT_KEY, String(fields.attempt));
        trailers.set(SERVER_KEY, self);
        next({ ...status, metadata: trailers });
      },
    });
  };
}
