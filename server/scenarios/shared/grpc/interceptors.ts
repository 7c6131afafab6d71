/**
 * Every hop of a gRPC call comes from these two interceptors, none from the handlers: the
 * client's sees each call as the application made it (grpc-js retries below it, out of its
 * sight), the server's sees each attempt that reached that server. What a handler does is its
 * own business; what crossed the wire is what the audience sees.
 *
 * A call is told in gRPC's own terms, from each side: `call-started`, a `request-message` and a
 * `response-message` for each message (numbered in its direction), and the `status` that ends
 * it, with its code's name and details. Every hop of a call carries the call's id, so a stream
 * plays as one exchange, in order. The ledger counts calls by the client's status (see
 * lib/calls.ts); the server's hops say which attempt reached which server. Each scenario that
 * calls names its service; the interceptors know no more of it than that.
 */
import * as grpc from "@grpc/grpc-js";
import type { MessageDescriptor, MessageHopKind } from "../../../../lib/protocol";
import { now, previewOf, type ActorContext } from "../../../actors/runtime";
import { ATTEMPT_KEY, DEADLINE_KEY, firstString, ID_KEY, PREVIOUS_ATTEMPTS_KEY, SERVER_KEY, statusOf, TRACE_KEY, type GrpcService } from "./service";

type Emitter = Pick<ActorContext<string>, "emit" | "spec">;

const encoder = new TextEncoder();

/**
 * A message's size on the wire: its protobuf encoding. The receiving side has only the decoded
 * object, so it encodes it again with the service's own definition.
 */
function wireSize(service: GrpcService<string>, method: string, direction: "request" | "response", message: unknown): number {
  const definition = service.definition().service[method];
  if (!definition) return 0;
  return (direction === "request" ? definition.requestSerialize(message) : definition.responseSerialize(message)).byteLength;
}

interface CallFields {
  id: string;
  traceId: string;
  method: string;
  /** As the hops name it: `<service>/<method>`. */
  destination: string;
  attempt: number;
}

/** Size on the wire (the protobuf encoding), preview as the audience reads it (JSON). */
function descriptor(fields: CallFields, wireSize: number, preview: unknown): MessageDescriptor {
  const text = typeof preview === "string" ? preview : JSON.stringify(preview);
  return {
    id: fields.id,
    traceId: fields.traceId,
    destination: fields.destination,
    attempt: fields.attempt,
    // A retried attempt is the client's doing: no broker redelivers anything here.
    redelivered: false,
    size: wireSize,
    preview: previewOf(encoder.encode(text)),
  };
}

interface CallHop {
  kind: Extract<MessageHopKind, "call-started" | "request-message" | "response-message" | "status">;
  from: string;
  to: string;
  fields: CallFields;
  side: "client" | "server";
  /** Worked out only when the hop is built: it serializes the message again. */
  size?: () => number;
  preview: unknown;
  /** The message's place in its direction: request 1, 2, … and response 1, 2, … */
  index?: number;
  status?: { code: grpc.status; details: string };
  rttMs?: number;
}

/**
 * Reports a hop as of now, but builds it once grpc-js has the call moving: its descriptor, size
 * and preview (a message serialized again) would otherwise sit inside the round trip the
 * readout shows, and the figure would be ours rather than gRPC's.
 */
function emitCall(ctx: Emitter, hop: CallHop): void {
  const at = now();
  setImmediate(() => report(ctx, hop, at));
}

function report(ctx: Emitter, hop: CallHop, at: number): void {
  const status = hop.status ? { status: { code: statusOf(hop.status.code), details: hop.status.details.slice(0, 200) } } : {};
  ctx.emit({
    at,
    kind: hop.kind,
    from: hop.from,
    to: hop.to,
    message: descriptor(hop.fields, hop.size?.() ?? 0, hop.preview),
    call: { side: hop.side, method: hop.fields.method, ...(hop.index !== undefined ? { index: hop.index } : {}), ...status },
    ...(hop.rttMs !== undefined ? { rttMs: hop.rttMs } : {}),
  });
}

const untracked = () => `untracked-${Math.random().toString(16).slice(2, 10)}`;

/**
 * The client side: one interceptor per call. Its id and trace come in the call's metadata, set
 * by the program that made the call. The readout times a unary call from its start to its OK,
 * and a stream to its first message back.
 */
export function clientInterceptor(ctx: Emitter, service: GrpcService<string>): grpc.Interceptor {
  const self = ctx.spec.id;
  const channelId = service.channelId;
  return (options, nextCall) => {
    const definition = options.method_definition;
    const method = service.methodOf(definition.path);
    if (!method) return new grpc.InterceptingCall(nextCall(options));
    const streaming = definition.requestStream || definition.responseStream;
    const destination = service.destinationOf(method);
    let fields: CallFields = { id: "", traceId: "", method, destination, attempt: 1 };
    let started = 0;
    let sent = 0;
    let received = 0;
    return new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        const id = firstString(metadata, ID_KEY) ?? untracked();
        fields = { id, traceId: firstString(metadata, TRACE_KEY) ?? id, method, destination, attempt: 1 };
        started = performance.now();
        const deadline = Number(firstString(metadata, DEADLINE_KEY));
        emitCall(ctx, { kind: "call-started", from: self, to: channelId, fields, side: "client", preview: deadline ? `${method}, deadline in ${Math.round(deadline - Date.now())} ms` : method });
        next(metadata, {
          onReceiveMessage(message: unknown, nextMessage) {
            // grpc-js hands a call that ended without an answer a null message, before its status.
            if (message === null) return nextMessage(message);
            received++;
            const firstOfStream = streaming && received === 1 ? { rttMs: performance.now() - started } : {};
            emitCall(ctx, { kind: "response-message", from: channelId, to: self, fields, side: "client", size: () => wireSize(service, method, "response", message), preview: message, index: received, ...firstOfStream });
            nextMessage(message);
          },
          onReceiveStatus(status, nextStatus) {
            // Which attempt answered, as the server's trailers say; an attempt that never
            // reached a live server answers nothing, and the call's own count stands.
            const attempt = Number(firstString(status.metadata, ATTEMPT_KEY)) || 1;
            const by = firstString(status.metadata, SERVER_KEY);
            const ok = status.code === grpc.status.OK;
            emitCall(ctx, {
              kind: "status",
              from: channelId,
              to: self,
              fields: { ...fields, attempt },
              side: "client",
              preview: ok ? `OK${by ? ` from ${by}` : ""}` : status.details,
              status: { code: status.code, details: status.details },
              ...(ok && !streaming ? { rttMs: performance.now() - started } : {}),
            });
            nextStatus(status);
          },
        });
      },
      sendMessage(message: unknown, next) {
        sent++;
        emitCall(ctx, { kind: "request-message", from: self, to: channelId, fields, side: "client", size: () => definition.requestSerialize(message).byteLength, preview: message, index: sent });
        next(message);
      },
    });
  };
}

/** The server side: one interceptor per attempt that reached this server. */
export function serverInterceptor(ctx: Emitter, service: GrpcService<string>): grpc.ServerInterceptor {
  const self = ctx.spec.id;
  const channelId = service.channelId;
  return (definition, call) => {
    const method = service.methodOf(definition.path);
    // The health service is plumbing, not part of the story.
    if (!method) return new grpc.ServerInterceptingCall(call);
    const destination = service.destinationOf(method);
    let fields: CallFields = { id: "", traceId: "", method, destination, attempt: 1 };
    let clientDeadline = Infinity;
    let received = 0;
    let sent = 0;
    let ended = false;
    const hop = (kind: CallHop["kind"], inbound: boolean, rest: Omit<CallHop, "kind" | "from" | "to" | "fields" | "side">) =>
      emitCall(ctx, { kind, from: inbound ? channelId : self, to: inbound ? self : channelId, fields, side: "server", ...rest });
    return new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, nextMetadata) {
            const id = firstString(metadata, ID_KEY) ?? untracked();
            // grpc-js numbers a retried attempt by the ones that went before it.
            const attempt = (Number(firstString(metadata, PREVIOUS_ATTEMPTS_KEY)) || 0) + 1;
            fields = { id, traceId: firstString(metadata, TRACE_KEY) ?? id, method, destination, attempt };
            clientDeadline = Number(firstString(metadata, DEADLINE_KEY)) || Infinity;
            hop("call-started", true, { preview: attempt > 1 ? `${method}, attempt ${attempt}` : method });
            nextMetadata(metadata);
          },
          onReceiveMessage(message: unknown, nextMessage) {
            // grpc-js hands a call that ended without an answer a null message, before its status.
            if (message === null) return nextMessage(message);
            received++;
            hop("request-message", true, { size: () => wireSize(service, method, "request", message), preview: message, index: received });
            nextMessage(message);
          },
          onCancel() {
            if (ended) return;
            ended = true;
            // The client gave up (its deadline passed, or it cancelled), or its connection went:
            // the server hears of it as a status coming its way.
            const deadline = call.getDeadline();
            const own = deadline instanceof Date ? deadline.getTime() : deadline;
            const passed = Math.min(own, clientDeadline) <= Date.now();
            const status = passed ? { code: grpc.status.DEADLINE_EXCEEDED, details: "the deadline passed: the server stops working on it" } : { code: grpc.status.CANCELLED, details: "the client cancelled the call" };
            hop("status", true, { preview: status.details, status });
          },
        });
      },
      sendMessage(message: unknown, next) {
        sent++;
        hop("response-message", false, { size: () => definition.responseSerialize(message).byteLength, preview: message, index: sent });
        next(message);
      },
      sendStatus(status, next) {
        if (!ended) {
          ended = true;
          const code = status.code ?? grpc.status.UNKNOWN;
          hop("status", false, { preview: code === grpc.status.OK ? "OK" : (status.details ?? ""), status: { code, details: status.details ?? "" } });
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
