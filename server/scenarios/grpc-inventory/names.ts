/** The service grpc-inventory's client, servers and health gauge share, and its methods. */
import type { Namespace } from "../../brokers/namespace";
import { grpcService } from "../shared/grpc/service";

export { MAX_SERVERS } from "../shared/grpc/service";

export const METHODS = ["CheckStock", "WatchStock", "ReserveItems", "TrackOrder"] as const;
export type Method = (typeof METHODS)[number];

export const INVENTORY = grpcService({ name: "hopscope.inventory.InventoryService", proto: new URL("./inventory.proto", import.meta.url), methods: METHODS });
/** Drawn as the one node between the client and the servers: the service they all implement. */
export const SERVICE_CHANNEL_ID = INVENTORY.channelId;

export const portsOf = (names: Namespace): number[] => INVENTORY.portsOf(names);
