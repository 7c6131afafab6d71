/**
 * What the client, the servers and the health gauge of grpc-inventory share: the service, the
 * ports an instance's servers listen on, the metadata that names a message, and the protos.
 */
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type { Namespace } from "../../brokers/namespace";

export const SERVICE = "hopscope.inventory.InventoryService";
/** Drawn as the one node between the client and the servers: the service they all implement. */
export const SERVICE_CHANNEL_ID = "grpc:InventoryService";

export const METHODS = ["CheckStock", "WatchStock", "ReserveItems", "TrackOrder"] as const;
export type Method = (typeof METHODS)[number];

/** Hops name a call's destination by its method, as the audience reads it. */
export function destinationOf(method: Method): string {
  return `InventoryService/${method}`;
}

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

/** At most this many servers run: one port each in the instance's block. */
export const MAX_SERVERS = 8;
/**
 * Below Linux's ephemeral range (32768 and up), so an outgoing connection of this machine never
 * holds a port a server wants.
 */
const FIRST_PORT = 20_000;
const BLOCKS = 1_500;

/**
 * The ports an instance's servers listen on, derived from its namespace. gRPC has no broker to
 * meet at: each server takes the first free port of the block, and the client dials the whole
 * block as a static list (see client.ts), so neither needs the engine to pass addresses on, and
 * two Hopscopes on one machine (different namespaces) use different blocks. Should two
 * namespaces ever hash to one block, the namespace metadata makes a server refuse the other
 * instance's calls, and its health service knows only its own instance's service name.
 */
export function portsOf(names: Namespace): number[] {
  let hash = 2166136261;
  for (const char of names.id) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  const first = FIRST_PORT + (hash % BLOCKS) * MAX_SERVERS;
  return Array.from({ length: MAX_SERVERS }, (_, i) => first + i);
}

/** The name this instance's servers report SERVING under in grpc.health.v1. */
export function healthServiceName(names: Namespace): string {
  return names.name(SERVICE);
}

const LOADER_OPTIONS: protoLoader.Options = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true };

function load(file: string): grpc.GrpcObject {
  return grpc.loadPackageDefinition(protoLoader.loadSync(fileURLToPath(new URL(file, import.meta.url)), LOADER_OPTIONS));
}

type ServiceClientCtor = grpc.ServiceClientConstructor;

function serviceOf(root: grpc.GrpcObject, path: string[]): ServiceClientCtor {
  let node: unknown = root;
  for (const part of path) node = (node as Record<string, unknown>)[part];
  if (typeof node !== "function" || !("service" in node)) throw new Error(`no service ${path.join(".")} in the proto`);
  return node as ServiceClientCtor;
}

let inventory: ServiceClientCtor | null = null;
let health: ServiceClientCtor | null = null;

export function inventoryService(): ServiceClientCtor {
  inventory ??= serviceOf(load("./inventory.proto"), ["hopscope", "inventory", "InventoryService"]);
  return inventory;
}

export function healthService(): ServiceClientCtor {
  health ??= serviceOf(load("./health.proto"), ["grpc", "health", "v1", "Health"]);
  return health;
}

/** A status code's name as gRPC spells it (UNAVAILABLE, DEADLINE_EXCEEDED), for hops and the ledger. */
export function statusOf(code: grpc.status): string {
  return grpc.status[code] ?? `CODE_${code}`;
}
