/**
 * The caller's side of a scenario that makes gRPC calls: one channel over every port of the
 * instance's block, round robin, a retry policy, and the metadata that names each call.
 */
import * as grpc from "@grpc/grpc-js";
import type { ActorContext } from "../../../actors/runtime";
import { clientInterceptor } from "./interceptors";
import { DEADLINE_KEY, ID_KEY, NAMESPACE_KEY, TRACE_KEY, type GrpcService } from "./service";

/** How soon a server that (re)appears on the block is dialled again; grpc-js would wait up to 120 s. */
const RECONNECT_BACKOFF_MS = { initial: 200, max: 1_000 };

/**
 * Round robin over every port of the instance's block, with the retry policy the presenter set.
 * grpc-js retries a call that failed UNAVAILABLE (its server died before answering, or refused
 * it) on another server, after a jittered backoff, up to maxAttempts in all; each retried attempt
 * carries `grpc-previous-rpc-attempts`, which the server's interceptor reports.
 */
export function serviceConfig(service: GrpcService<string>, retries: number): string {
  const retryPolicy = { maxAttempts: retries + 1, initialBackoff: "0.05s", maxBackoff: "0.5s", backoffMultiplier: 2, retryableStatusCodes: ["UNAVAILABLE"] };
  return JSON.stringify({
    loadBalancingConfig: [{ round_robin: {} }],
    // grpc-js wants at least 2 attempts in a retry policy: none at all means no retries.
    methodConfig: [{ name: [{ service: service.name }], ...(retries > 0 ? { retryPolicy } : {}) }],
  });
}

/**
 * The channel dials a static list: every port of the block, as DNS would list every address of a
 * service. Round robin spreads calls over the subchannels that are READY and skips the ports no
 * server holds (they stay in backoff, retried every second at most), so servers that come and go
 * are found without rebuilding the channel or asking the engine for addresses. Only a change of
 * the retry policy, which the service config fixes for a channel's life, makes a new channel.
 */
export function openGrpcClient(ctx: ActorContext<string>, service: GrpcService<string>, retries: number): grpc.Client {
  const Service = service.definition();
  const target = `ipv4:${service
    .portsOf(ctx.names)
    .map((port) => `127.0.0.1:${port}`)
    .join(",")}`;
  const client = new Service(target, grpc.credentials.createInsecure(), {
    "grpc.service_config": serviceConfig(service, retries),
    "grpc.initial_reconnect_backoff_ms": RECONNECT_BACKOFF_MS.initial,
    "grpc.max_reconnect_backoff_ms": RECONNECT_BACKOFF_MS.max,
    interceptors: [clientInterceptor(ctx, service)],
  });
  // Connects now rather than on the first call: round robin spreads only over the servers it is
  // connected to, and the first burst would otherwise all go to whichever answered first.
  client.getChannel().getConnectivityState(true);
  return client;
}

/** Spreading starts at the servers a channel is connected to: a burst sent the moment a new one opens would all go to the first. */
const WARM_UP_MS = 1_000;
const SETTLE_MS = 150;

/**
 * Resolves once the channel is connected to a server, and a moment more for the others on this
 * machine to answer too, so round robin is already spreading when the first call goes out.
 * With no server up, it gives up waiting after WARM_UP_MS: calls then fail UNAVAILABLE, as they should.
 */
export function connected(client: grpc.Client): Promise<grpc.Client> {
  return new Promise((resolve) => client.waitForReady(Date.now() + WARM_UP_MS, () => setTimeout(() => resolve(client), SETTLE_MS)));
}

/** What a call carries besides its message: its names, its instance and its deadline. */
export function callMetadata(ctx: Pick<ActorContext<string>, "names">, call: { id: string; traceId: string; deadline: number }): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set(ID_KEY, call.id);
  metadata.set(TRACE_KEY, call.traceId);
  metadata.set(NAMESPACE_KEY, ctx.names.id);
  metadata.set(DEADLINE_KEY, String(call.deadline));
  return metadata;
}
