import type * as grpc from "@grpc/grpc-js";
import { z } from "zod";
import { messageIds, type ActorProgram } from "../../actors/runtime";
import { callMetadata, connected, openGrpcClient } from "../shared/grpc/client";
import { ORDERS } from "./names";
import type { Order } from "./orders-service";

const CUSTOMERS = ["ada@example.com", "grace@example.com", "linus@example.com", "margaret@example.com"];

const givenSchema = z.object({
  customerEmail: z.string().max(128).optional(),
  items: z.array(z.object({ sku: z.string().max(64), quantity: z.number().int().min(1).max(1_000) })).max(50).optional(),
  total: z.number().nonnegative().max(1_000_000).optional(),
});

function sampleOrder(orderId: string, n: number): Order {
  return { orderId, customerEmail: CUSTOMERS[n % CUSTOMERS.length] ?? "ada@example.com", items: [{ sku: `sku-${100 + (n % 7)}`, quantity: 1 + (n % 3) }], total: 19 + ((n * 7) % 80) };
}

type PlaceOrderFn = (request: Order, metadata: grpc.Metadata, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null) => void) => grpc.ClientUnaryCall;

/**
 * The API gateway: each order is one PlaceOrder call, and the customer waits for its answer.
 * It does not retry: PlaceOrder is not idempotent here, so an order whose first attempt reached
 * Kafka before its server died would be placed twice. A failure reaches the caller instead, as
 * the status its interceptor reports; the call's id is the order's, and so the trace's.
 */
export const apiGateway: ActorProgram<"deadlineMs"> = async (ctx) => {
  const client = await connected(openGrpcClient(ctx, ORDERS, 0));
  const placeOrder = (client as unknown as { PlaceOrder: PlaceOrderFn }).PlaceOrder;
  const nextId = messageIds();
  const ignore = () => undefined;
  return {
    async handle(command) {
      if (command.type !== "publish") return null;
      const given = command.payload === undefined ? null : givenSchema.safeParse(command.payload);
      if (given && !given.success) throw new Error(`payload: ${given.error.issues[0]?.path.join(".") ?? "?"} ${given.error.issues[0]?.message ?? "is not an order"}`);
      const ids: string[] = [];
      for (let i = 0; i < command.count; i++) {
        const { id, n } = nextId();
        ids.push(id);
        const deadline = Date.now() + ctx.settings.deadlineMs;
        placeOrder.call(client, { ...sampleOrder(id, n), ...given?.data }, callMetadata(ctx, { id, traceId: id, deadline }), { deadline }, ignore);
      }
      return { messageIds: ids };
    },
    async close() {
      client.close();
    },
  };
};
