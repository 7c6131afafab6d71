/**
 * What every scenario that makes gRPC calls shares: a service as the picture and the hops name
 * it, the ports an instance's servers listen on, the metadata that names a call, and the protos.
 * gRPC has no broker to meet at: servers are actor processes, found through the namespace.
 */
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type { Namespace } from "../../../brokers/namespace";

/** Message id and trace id travel in the call's metadata, so both interceptors name the same call. */
export const ID_KEY = "x-hopscope-id";
export const TRACE_KEY = "x-hopscope-trace";
/** Which instance the call is from: a server of another Hopscope refuses it (see `portsOf`). */
export const NAMESPACE_KEY = "x-hopscope-namespace";
/** Set by grpc-js on every retried attempt: how many went before this one. */
export const PREVIOUS_ATTEMPTS_KEY = "grpc-previous-rpc-attempts";
/** Sent back by the server in its trailers: which attempt it answered and who it is. */
export const ATTEMPT_KEY = "x-hopscope-attempt";
export const SERVER_KEY = "x-hopscope-server";
/**
 * The client's deadline, as epoch ms. The server's own deadline starts when the call arrives, a
 * transit later than the client's: the client's cancel at its deadline reaches the server just
 * before the server's deadline passes, and only the client's tells which it was.
 */
export const DEADLINE_KEY = "x-hopscope-deadline";

/** At most this many servers of one service run: one port each in the instance's block. */
export const MAX_SERVERS = 8;
/**
 * Below Linux's ephemeral range (32768 and up), so an outgoing connection of this machine never
 * holds a port a server wants.
 */
const FIRST_PORT = 20_000;
const BLOCKS = 1_500;

const LOADER_OPTIONS: protoLoader.Options = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true };

function serviceOf(root: grpc.GrpcObject, path: readonly string[]): grpc.ServiceClientConstructor {
  let node: unknown = root;
  for (const part of path) node = (node as Record<string, unknown>)[part];
  if (typeof node !== "function" || !("service" in node)) throw new Error(`no service ${path.join(".")} in the proto`);
  return node as grpc.ServiceClientConstructor;
}

/** Loads a service from its .proto once, when first asked. */
function lazyService(proto: URL, fullName: string): () => grpc.ServiceClientConstructor {
  let loaded: grpc.ServiceClientConstructor | null = null;
  return () => {
    loaded ??= serviceOf(grpc.loadPackageDefinition(protoLoader.loadSync(fileURLToPath(proto), LOADER_OPTIONS)), fullName.split("."));
    return loaded;
  };
}

export interface GrpcServiceSpec<M extends string> {
  /** As the proto names it, package included: `hopscope.inventory.InventoryService`. */
  name: string;
  /** The .proto that declares it. */
  proto: URL;
  methods: readonly M[];
}

export interface GrpcService<M extends string> {
  name: string;
  /** The service without its package, as the picture shows it. */
  label: string;
  /** Drawn as the one node between callers and servers: the service they all implement. */
  channelId: string;
  methods: readonly M[];
  definition: () => grpc.ServiceClientConstructor;
  /** The method a call path names; null for another service (health). */
  methodOf(path: string): M | null;
  /** Hops name a call's destination by its method, as the audience reads it. */
  destinationOf(method: M): string;
  /**
   * The ports an instance's servers of this service listen on, derived from its namespace and
   * the service. Each server takes the first free port of the block, and the client dials the
   * whole block as a static list, so neither needs the engine to pass addresses on, and two
   * Hopscopes on one machine (different namespaces) use different blocks. Should two ever hash
   * to one block, the namespace metadata makes a server refuse the other instance's calls, and
   * its health service knows only its own instance's service name.
   */
  portsOf(names: Namespace): number[];
  /** The name this instance's servers report SERVING under in grpc.health.v1. */
  healthName(names: Namespace): string;
}

export function grpcService<const M extends string>(spec: GrpcServiceSpec<M>): GrpcService<M> {
  const label = spec.name.split(".").at(-1) ?? spec.name;
  return {
    name: spec.name,
    label,
    channelId: `grpc:${label}`,
    methods: spec.methods,
    definition: lazyService(spec.proto, spec.name),
    methodOf: (path) => spec.methods.find((m) => path === `/${spec.name}/${m}`) ?? null,
    destinationOf: (method) => `${label}/${method}`,
    portsOf(names) {
      let hash = 2166136261;
      for (const char of `${names.id}|${spec.name}`) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
      const first = FIRST_PORT + (hash % BLOCKS) * MAX_SERVERS;
      return Array.from({ length: MAX_SERVERS }, (_, i) => first + i);
    },
    healthName: (names) => names.name(spec.name),
  };
}

export const healthService = lazyService(new URL("./health.proto", import.meta.url), "grpc.health.v1.Health");

/** A status code's name as gRPC spells it (UNAVAILABLE, DEADLINE_EXCEEDED), for hops and the ledger. */
export function statusOf(code: grpc.status): string {
  return grpc.status[code] ?? `CODE_${code}`;
}

export function firstString(metadata: grpc.Metadata | null | undefined, key: string): string | undefined {
  const value = metadata?.get(key)[0];
  return typeof value === "string" ? value : undefined;
}
