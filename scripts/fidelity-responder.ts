/**
 * The far side of a bare round trip for `npm run bench -- --only fidelity`, in its own process as
 * a scenario's is: a NATS responder, a gRPC InventoryService server, a Redis subscriber or a
 * RabbitMQ consumer that acks at once. No hop is reported; it answers as fast as its client lets it.
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { connect as connectAmqp } from "amqplib";
import Redis from "ioredis";
import { connect } from "nats";
import { fileURLToPath } from "node:url";
import { z } from "zod";

const specSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("nats"), url: z.string(), subject: z.string() }),
  z.object({ kind: z.literal("grpc") }),
  z.object({ kind: z.literal("redis-subscriber"), url: z.string(), channel: z.string() }),
  z.object({ kind: z.literal("rabbitmq-consumer"), url: z.string(), queue: z.string() }),
]);

const PROTO = fileURLToPath(new URL("../server/scenarios/grpc-inventory/inventory.proto", import.meta.url));

interface StockRequest {
  sku: string;
  quantity: number;
}

async function main(): Promise<void> {
  const spec = specSchema.parse(JSON.parse(process.argv[2] ?? "null"));
  if (spec.kind === "redis-subscriber") {
    const redis = new Redis(spec.url);
    await redis.subscribe(spec.channel);
    process.send?.({ ready: true });
    process.on("disconnect", () => {
      redis.disconnect();
      process.exit(0);
    });
    return;
  }
  if (spec.kind === "rabbitmq-consumer") {
    const connection = await connectAmqp(spec.url);
    const channel = await connection.createChannel();
    await channel.prefetch(10);
    await channel.consume(spec.queue, (msg) => msg && channel.ack(msg));
    process.send?.({ ready: true });
    process.on("disconnect", () => void connection.close().finally(() => process.exit(0)));
    return;
  }
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
