/**
 * The far side of a bare round trip for `npm run bench -- --only fidelity`, in its own process as
 * a scenario's responder or server is: a NATS responder, or a gRPC InventoryService server. No
 * hop is reported; it answers as fast as the client library lets it.
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { connect } from "nats";
import { fileURLToPath } from "node:url";
import { z } from "zod";

const specSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("nats"), url: z.string(), subject: z.string() }),
  z.object({ kind: z.literal("grpc") }),
]);

const PROTO = fileURLToPath(new URL("../server/scenarios/grpc-inventory/inventory.proto", import.meta.url));

interface StockRequest {
  sku: string;
  quantity: number;
}

async function main(): Promise<void> {
  const spec = specSchema.parse(JSON.parse(process.argv[2] ?? "null"));
  if (spec.kind === "nats") {
    const nc = await connect({ servers: spec.url });
    nc.subscribe(spec.subject, { callback: (_error, msg) => msg.respond(msg.data) });
    await nc.flush();
    process.send?.({ ready: true });
    process.on("disconnect", () => void nc.close().then(() => process.exit(0)));
    return;
  }
  const definition = protoLoader.loadSync(PROTO, { keepCase: false, longs: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { hopscope: { inventory: { InventoryService: grpc.ServiceClientConstructor } } };
  const server = new grpc.Server();
  server.addService(pkg.hopscope.inventory.InventoryService.service, {
    CheckStock: (call: grpc.ServerUnaryCall<StockRequest, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      callback(null, { sku: call.request.sku, available: true, onHand: 100, checkedBy: "bare" });
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
  process.send?.({ ready: true, port });
  process.on("disconnect", () => server.tryShutdown(() => process.exit(0)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
