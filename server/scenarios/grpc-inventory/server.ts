import { createServer } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { z } from "zod";
import { listening, sleep, type ActorContext, type ActorProgram } from "../../actors/runtime";
import { serverInterceptor } from "./interceptors";
import { healthService, healthServiceName, inventoryService, NAMESPACE_KEY, portsOf } from "./names";

const requestSchema = z.object({ sku: z.string().max(64), quantity: z.number().int() });
const stepSchema = z.object({ orderId: z.string().max(64), sku: z.string().max(64), quantity: z.number().int() });
const watchSchema = z.object({ sku: z.string().max(64), updates: z.number().int().min(0).max(1_000) });
const healthRequestSchema = z.object({ service: z.string().max(256) });

/** A stock level that depends only on the SKU, so every server answers alike. */
function onHand(sku: string): number {
  let sum = 0;
  for (const char of sku) sum = (sum * 31 + char.charCodeAt(0)) % 997;
  return sum % 20;
}

type Ctx = ActorContext<"delayMs">;

/** A call from another Hopscope's client (its namespace hashed to our ports): not ours to serve. */
function foreign(ctx: Ctx, metadata: grpc.Metadata): grpc.ServiceError | null {
  if (metadata.get(NAMESPACE_KEY)[0] === ctx.names.id) return null;
  return Object.assign(new Error("a server of another Hopscope instance"), { code: grpc.status.UNAVAILABLE, details: "a server of another Hopscope instance", metadata: new grpc.Metadata() });
}

function inventoryHandlers(ctx: Ctx): grpc.UntypedServiceImplementation {
  const self = ctx.spec.id;
  const work = () => sleep(ctx.settings.delayMs);
  return {
    async CheckStock(call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
      const refused = foreign(ctx, call.metadata);
      if (refused) return callback(refused);
      const request = requestSchema.safeParse(call.request);
      if (!request.success) return callback({ code: grpc.status.INVALID_ARGUMENT, details: "sku and quantity expected" });
      await work();
      // The client gave up meanwhile (deadline, cancel): an answer would go nowhere.
      if (call.cancelled) return;
      const { sku, quantity } = request.data;
      const stock = onHand(sku);
      callback(null, { sku, available: stock >= quantity, onHand: stock, checkedBy: self });
    },
    async WatchStock(call: grpc.ServerWritableStream<unknown, unknown>) {
      const refused = foreign(ctx, call.metadata);
      if (refused) return call.emit("error", refused);
      const request = watchSchema.safeParse(call.request);
      if (!request.success) return call.emit("error", { code: grpc.status.INVALID_ARGUMENT, details: "sku and updates expected" });
      const { sku, updates } = request.data;
      for (let update = 1; update <= updates; update++) {
        await work();
        if (call.cancelled) return;
        call.write({ sku, onHand: Math.max(0, onHand(sku) - update + 1), update, server: self });
      }
      call.end();
    },
    ReserveItems(call: grpc.ServerReadableStream<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
      const refused = foreign(ctx, call.metadata);
      if (refused) return callback(refused);
      let items = 0;
      let units = 0;
      let reserved = true;
      call.on("data", (item: unknown) => {
        const parsed = requestSchema.safeParse(item);
        items++;
        if (!parsed.success) return;
        units += parsed.data.quantity;
        reserved &&= onHand(parsed.data.sku) >= parsed.data.quantity;
      });
      call.on("end", () => {
        void work().then(() => {
          if (!call.cancelled) callback(null, { items, units, reserved, server: self });
        });
      });
    },
    TrackOrder(call: grpc.ServerDuplexStream<unknown, unknown>) {
      const refused = foreign(ctx, call.metadata);
      if (refused) return call.emit("error", refused);
      // Answers in the order asked, one at a time, as the order's steps arrive.
      let answered = Promise.resolve();
      call.on("data", (step: unknown) => {
        answered = answered.then(async () => {
          await work();
          if (call.cancelled) return;
          const parsed = stepSchema.safeParse(step);
          const { orderId, sku, quantity } = parsed.success ? parsed.data : { orderId: "", sku: "", quantity: 0 };
          call.write({ orderId, sku, state: !parsed.success ? "unreadable" : onHand(sku) >= quantity ? "reserved" : "backordered", server: self });
        });
      });
      call.on("end", () => void answered.then(() => call.end()));
    },
  };
}

/**
 * grpc.health.v1: SERVING for this instance's service name (and for "", the server as a whole),
 * NOT_FOUND for any other, as the protocol says.
 */
function healthHandlers(ctx: Ctx): grpc.UntypedServiceImplementation {
  const ours = healthServiceName(ctx.names);
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

/**
 * One InventoryService server process, listening on the first free port of its instance's block
 * (see `portsOf`), with the standard health service beside it. A SIGKILL ends its connections
 * at once: the client sees UNAVAILABLE for every call it had here.
 */
export const grpcInventoryServer: ActorProgram<"delayMs"> = async (ctx) => {
  // Far above a burst's share per server: Node's HTTP/2 default of 100 concurrent streams would
  // refuse the rest of a burst on one connection.
  const server = new grpc.Server({ interceptors: [serverInterceptor(ctx)], "grpc.max_concurrent_streams": 10_000 });
  server.addService(inventoryService().service, inventoryHandlers(ctx));
  server.addService(healthService().service, healthHandlers(ctx));
  let port: number | null = null;
  for (const candidate of portsOf(ctx.names)) {
    // Servers starting together may find the same port free: the bind decides.
    if (!(await free(candidate))) continue;
    port = await bind(server, candidate);
    if (port !== null) break;
  }
  if (port === null) throw new Error(`every port of this instance's block is taken (${portsOf(ctx.names).join(", ")})`);
  ctx.setConnections([`127.0.0.1:${port}`]);
  return listening(() => new Promise<void>((resolve) => server.tryShutdown(() => resolve())));
};
