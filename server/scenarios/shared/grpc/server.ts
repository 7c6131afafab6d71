/**
 * A gRPC server process of a scenario: it listens on the first free port of its instance's
 * block (see `portsOf`), reports each attempt through its interceptor, and answers the standard
 * health service beside its own. A SIGKILL ends its connections at once: the caller sees
 * UNAVAILABLE for every call it had here.
 */
import { createServer } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { z } from "zod";
import { listening, type ActorBehaviour, type ActorContext } from "../../../actors/runtime";
import { serverInterceptor } from "./interceptors";
import { healthService, NAMESPACE_KEY, type GrpcService } from "./service";

const healthRequestSchema = z.object({ service: z.string().max(256) });

/** A call from another Hopscope's client (its namespace hashed to our ports): not ours to serve. */
export function foreignCall(ctx: Pick<ActorContext<string>, "names">, metadata: grpc.Metadata): grpc.ServiceError | null {
  if (metadata.get(NAMESPACE_KEY)[0] === ctx.names.id) return null;
  return Object.assign(new Error("a server of another Hopscope instance"), { code: grpc.status.UNAVAILABLE, details: "a server of another Hopscope instance", metadata: new grpc.Metadata() });
}

/**
 * grpc.health.v1: SERVING for this instance's service name (and for "", the server as a whole),
 * NOT_FOUND for any other, as the protocol says.
 */
function healthHandlers(ours: string): grpc.UntypedServiceImplementation {
  const statusOf = (request: unknown): "SERVING" | null => {
    const parsed = healthRequestSchema.safeParse(request);
    return parsed.success && (parsed.data.service === "" || parsed.data.service === ours) ? "SERVING" : null;
  };
  return {
    Check(call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
      const status = statusOf(call.request);
      if (!status) return callback({ code: grpc.status.NOT_FOUND, details: "unknown service" });
      callback(null, { status });
    },
    Watch(call: grpc.ServerWritableStream<unknown, unknown>) {
      // This server serves until it is gone: one answer, and the stream stays open until then.
      call.write({ status: statusOf(call.request) ?? "SERVICE_UNKNOWN" });
    },
  };
}

/** Whether nobody listens on the port now; grpc-js logs an error for every bind that fails. */
function free(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

function bind(server: grpc.Server, port: number): Promise<number | null> {
  return new Promise((resolve) => server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => resolve(error ? null : bound)));
}

/** Serves `handlers` for `service` until the actor closes; `onClose` releases what they hold. */
export async function serveGrpc(ctx: ActorContext<string>, service: GrpcService<string>, handlers: grpc.UntypedServiceImplementation, onClose?: () => Promise<void>): Promise<ActorBehaviour> {
  // Far above a burst's share per server: Node's HTTP/2 default of 100 concurrent streams would
  // refuse the rest of a burst on one connection.
  const server = new grpc.Server({ interceptors: [serverInterceptor(ctx, service)], "grpc.max_concurrent_streams": 10_000 });
  server.addService(service.definition().service, handlers);
  server.addService(healthService().service, healthHandlers(service.healthName(ctx.names)));
  const ports = service.portsOf(ctx.names);
  let port: number | null = null;
  for (const candidate of ports) {
    // Servers starting together may find the same port free: the bind decides.
    if (!(await free(candidate))) continue;
    port = await bind(server, candidate);
    if (port !== null) break;
  }
  if (port === null) throw new Error(`every port of this instance's block for ${service.label} is taken (${ports.join(", ")})`);
  ctx.setConnections([`127.0.0.1:${port}`]);
  return listening(async () => {
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    await onClose?.();
  });
}
