import * as grpc from "@grpc/grpc-js";
import { z } from "zod";
import { messageIds, type ActorContext, type ActorProgram } from "../../actors/runtime";
import { clientInterceptor } from "./interceptors";
import { DEADLINE_KEY, ID_KEY, inventoryService, METHODS, NAMESPACE_KEY, portsOf, SERVICE, TRACE_KEY, type Method } from "./names";

type Settings = "deadlineMs" | "retries" | "cancelAfterMs" | "streamLength";
type Ctx = ActorContext<Settings>;

/** How soon a server that (re)appears on the block is dialled again; grpc-js would wait up to 120 s. */
const RECONNECT_BACKOFF_MS = { initial: 200, max: 1_000 };

/**
 * Round robin over every port of the instance's block, with the retry policy the presenter set.
 * grpc-js retries a call that failed UNAVAILABLE (its server died before answering, or refused
 * it) on another server, after a jittered backoff, up to maxAttempts in all; each retried attempt
 * carries `grpc-previous-rpc-attempts`, which the server's interceptor reports.
 */
export function serviceConfig(retries: number): string {
  const retryPolicy = { maxAttempts: retries + 1, initialBackoff: "0.05s", maxBackoff: "0.5s", backoffMultiplier: 2, retryableStatusCodes: ["UNAVAILABLE"] };
  return JSON.stringify({
    loadBalancingConfig: [{ round_robin: {} }],
    // grpc-js wants at least 2 attempts in a retry policy: none at all means no retries.
    methodConfig: [{ name: [{ service: SERVICE }], ...(retries > 0 ? { retryPolicy } : {}) }],
  });
}

/**
 * The channel dials a static list: every port of the block, as DNS would list every address of a
 * service. Round robin spreads calls over the subchannels that are READY and skips the ports no
 * server holds (they stay in backoff, retried every second at most), so servers that come and go
 * are found without rebuilding the channel or asking the engine for addresses. Only a change of
 * the retry policy, which the service config fixes for a channel's life, makes a new channel.
 */
function openClient(ctx: Ctx): grpc.Client {
  const Service = inventoryService();
  const target = `ipv4:${portsOf(ctx.names)
    .map((port) => `127.0.0.1:${port}`)
    .join(",")}`;
  const client = new Service(target, grpc.credentials.createInsecure(), {
    "grpc.service_config": serviceConfig(ctx.settings.retries),
    "grpc.initial_reconnect_backoff_ms": RECONNECT_BACKOFF_MS.initial,
    "grpc.max_reconnect_backoff_ms": RECONNECT_BACKOFF_MS.max,
    interceptors: [clientInterceptor(ctx)],
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
 * machine to answer too, so the `set` that made it returns with round robin already spreading.
 * With no server up, it gives up waiting after WARM_UP_MS: calls then fail UNAVAILABLE, as they should.
 */
function connected(client: grpc.Client): Promise<grpc.Client> {
  return new Promise((resolve) => client.waitForReady(Date.now() + WARM_UP_MS, () => setTimeout(() => resolve(client), SETTLE_MS)));
}

const itemSchema = z.object({ sku: z.string().max(64), quantity: z.number().int().min(0).max(1_000) });
const methodSchema = z.enum(METHODS);

const sampleItem = (n: number) => ({ sku: `sku-${100 + (n % 7)}`, quantity: 1 + (n % 3) });

type UnaryFn = (request: unknown, metadata: grpc.Metadata, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null) => void) => grpc.ClientUnaryCall;
type ServerStreamFn = (request: unknown, metadata: grpc.Metadata, options: grpc.CallOptions) => grpc.ClientReadableStream<unknown>;
type ClientStreamFn = (metadata: grpc.Metadata, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null) => void) => grpc.ClientWritableStream<unknown>;
type DuplexFn = (metadata: grpc.Metadata, options: grpc.CallOptions) => grpc.ClientDuplexStream<unknown, unknown>;

/**
 * Calls InventoryService: the publish command's `key` picks the method (CheckStock unless
 * said), and each call gets the deadline, and the cancel, the presenter set. What became of
 * a call is the interceptors' to report; here a failure is expected and only swallowed.
 */
export const grpcInventoryClient: ActorProgram<Settings> = async (ctx) => {
  let client = await connected(openClient(ctx));
  let retries = ctx.settings.retries;
  const nextId = messageIds();
  const ignore = () => undefined;
  /** Calls whose status has not come back yet: what the cancel control cancels. */
  const inFlight = new Set<grpc.Call>();

  const call = (method: Method, id: string, item: { sku: string; quantity: number }) => {
    const metadata = new grpc.Metadata();
    metadata.set(ID_KEY, id);
    metadata.set(TRACE_KEY, id);
    metadata.set(NAMESPACE_KEY, ctx.names.id);
    const deadline = Date.now() + ctx.settings.deadlineMs;
    metadata.set(DEADLINE_KEY, String(deadline));
    const options: grpc.CallOptions = { deadline };
    const length = ctx.settings.streamLength;
    const stub = client as unknown as Record<Method, unknown>;
    let started: grpc.Call;
    switch (method) {
      case "CheckStock":
        started = (stub.CheckStock as UnaryFn).call(client, item, metadata, options, ignore);
        break;
      case "WatchStock": {
        const stream = (stub.WatchStock as ServerStreamFn).call(client, { sku: item.sku, updates: length }, metadata, options);
        stream.on("data", ignore);
        stream.on("error", ignore);
        started = stream;
        break;
      }
      case "ReserveItems": {
        const stream = (stub.ReserveItems as ClientStreamFn).call(client, metadata, options, ignore);
        for (let n = 0; n < length; n++) stream.write({ sku: item.sku, quantity: item.quantity + n });
        stream.end();
        started = stream;
        break;
      }
      case "TrackOrder": {
        const stream = (stub.TrackOrder as DuplexFn).call(client, metadata, options);
        stream.on("data", ignore);
        stream.on("error", ignore);
        for (let n = 0; n < length; n++) stream.write({ orderId: id, sku: `sku-${100 + ((n + item.quantity) % 7)}`, quantity: item.quantity });
        stream.end();
        started = stream;
        break;
      }
    }
    inFlight.add(started);
    started.on("status", () => inFlight.delete(started));
    const cancelAfterMs = ctx.settings.cancelAfterMs;
    if (cancelAfterMs > 0) setTimeout(() => started.cancel(), cancelAfterMs).unref();
  };

  return {
    async handle(command) {
      if (command.type === "settings") {
        // The retry policy lives in the channel's service config: a new one takes a new channel.
        // The old one is closed gracefully: calls already on it finish there.
        if (ctx.settings.retries !== retries) {
          retries = ctx.settings.retries;
          const old = client;
          client = await connected(openClient(ctx));
          old.close();
        }
        return null;
      }
      const method = methodSchema.safeParse(command.key ?? "CheckStock");
      if (!method.success) throw new Error(`key must name a method: ${METHODS.join(", ")}`);
      const given = itemSchema.safeParse(command.payload);
      const ids: string[] = [];
      for (let i = 0; i < command.count; i++) {
        const { id, n } = nextId();
        ids.push(id);
        call(method.data, id, given.success ? given.data : sampleItem(n));
      }
      return { messageIds: ids };
    },
    async cancel() {
      const open = [...inFlight];
      // Each ends CANCELLED for its caller, which its interceptor reports.
      for (const call of open) call.cancel();
      return { cancelled: open.length };
    },
    async close() {
      client.close();
    },
  };
};
