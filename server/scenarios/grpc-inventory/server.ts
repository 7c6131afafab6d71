import * as grpc from "@grpc/grpc-js";
import { z } from "zod";
import { sleep, type ActorContext, type ActorProgram } from "../../actors/runtime";
import { foreignCall as foreign, serveGrpc } from "../shared/grpc/server";
import { INVENTORY } from "./names";

const requestSchema = z.object({ sku: z.string().max(64), quantity: z.number().int() });
const stepSchema = z.object({ orderId: z.string().max(64), sku: z.string().max(64), quantity: z.number().int() });
const watchSchema = z.object({ sku: z.string().max(64), updates: z.number().int().min(0).max(1_000) });

/** A stock level that depends only on the SKU, so every server answers alike. */
function onHand(sku: string): number {
  let sum = 0;
  for (const char of sku) sum = (sum * 31 + char.charCodeAt(0)) % 997;
  return sum % 20;
}

type Ctx = ActorContext<"delayMs">;

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
 * One InventoryService server process, listening on the first free port of its instance's block,
 * with the standard health service beside it. A SIGKILL ends its connections at once: the
 * client sees UNAVAILABLE for every call it had here.
 */
export const grpcInventoryServer: ActorProgram<"delayMs"> = (ctx) => serveGrpc(ctx, INVENTORY, inventoryHandlers(ctx));
