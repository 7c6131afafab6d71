import type * as grpc from "@grpc/grpc-js";
import { z } from "zod";
import { messageIds, type ActorContext, type ActorProgram } from "../../actors/runtime";
import { callMetadata, connected, openGrpcClient, serviceConfig as configOf } from "../shared/grpc/client";
import { INVENTORY, METHODS, type Method } from "./names";

type Settings = "deadlineMs" | "retries" | "cancelAfterMs" | "streamLength";
type Ctx = ActorContext<Settings>;

/** The service config of the client's channel: round robin, and the retry policy when retries are on. */
export const serviceConfig = (retries: number): string => configOf(INVENTORY, retries);

const openClient = (ctx: Ctx): grpc.Client => openGrpcClient(ctx, INVENTORY, ctx.settings.retries);

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
    const deadline = Date.now() + ctx.settings.deadlineMs;
    const metadata = callMetadata(ctx, { id, traceId: id, deadline });
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
