import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type { Transport } from "./transport";

const PROTO = fileURLToPath(new URL("./measure.proto", import.meta.url));
const CALL_TIMEOUT_MS = 5_000;

interface Probe {
  payload: Buffer;
}

let loaded: grpc.ServiceClientConstructor | null = null;
function echoService(): grpc.ServiceClientConstructor {
  if (!loaded) {
    const root = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO, { keepCase: false, defaults: true }));
    const hopscope = root.hopscope as grpc.GrpcObject;
    loaded = (hopscope.measure as grpc.GrpcObject).Echo as grpc.ServiceClientConstructor;
  }
  return loaded;
}

/** gRPC needs no broker: the server is the child process, on a port the system picks. */
export const grpcUnary: Transport = {
  id: "grpc-unary",
  path: "unary call → response, at the caller",
  roundTrip: true,
  probe: async () => undefined,
  async receive(_ctx, onMessage) {
    const server = new grpc.Server();
    server.addService(echoService().service, {
      Echo: (call: grpc.ServerUnaryCall<Probe, Probe>, callback: grpc.sendUnaryData<Probe>) => {
        onMessage(call.request.payload);
        callback(null, { payload: call.request.payload });
      },
    });
    const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
    return {
      info: { port },
      close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
    };
  },
  async sender(_ctx, receiver) {
    if (!receiver.port) throw new Error("the gRPC server did not say which port it listens on");
    const Echo = echoService();
    const method = Echo.service.Echo as grpc.MethodDefinition<Probe, Probe> | undefined;
    if (!method) throw new Error("no Echo method in measure.proto");
    const client = new Echo(`127.0.0.1:${receiver.port}`, grpc.credentials.createInsecure());
    await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + CALL_TIMEOUT_MS, (error) => (error ? reject(error) : resolve())));
    return {
      send: (payload) =>
        new Promise<void>((resolve, reject) => {
          client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, { payload }, { deadline: Date.now() + CALL_TIMEOUT_MS }, (error) => (error ? reject(error) : resolve()));
        }),
      close: async () => client.close(),
    };
  },
};
