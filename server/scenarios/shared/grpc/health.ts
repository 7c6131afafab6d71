import * as grpc from "@grpc/grpc-js";
import { z } from "zod";
import type { Namespace } from "../../../brokers/namespace";
import type { GaugeReader } from "../../model";
import { healthService, type GrpcService } from "./service";

/** Well under the poll interval: a port nobody holds answers at once; a stuck server does not stall the gauge. */
const CHECK_DEADLINE_MS = 400;

const responseSchema = z.object({ status: z.string() });

type CheckFn = (request: unknown, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response: unknown) => void) => void;

/**
 * Counts the servers that answer SERVING to the standard grpc.health.v1 Check for this
 * instance's service name: one health client per port of the block, each kept open, so a
 * server's death shows in the next read and a replacement once it listens.
 */
export function healthGauge(service: GrpcService<string>): (url: string, names: Namespace) => GaugeReader {
  return (_url, names) => {
    const Health = healthService();
    const name = service.healthName(names);
    const clients = service.portsOf(names).map(
      (port) =>
        new Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
          "grpc.initial_reconnect_backoff_ms": 200,
          "grpc.max_reconnect_backoff_ms": 1_000,
        }),
    );
    const check = (client: grpc.Client) =>
      new Promise<boolean>((resolve) => {
        const call = (client as unknown as { Check: CheckFn }).Check;
        call.call(client, { service: name }, { deadline: Date.now() + CHECK_DEADLINE_MS }, (error, response) => {
          const parsed = responseSchema.safeParse(response);
          resolve(!error && parsed.success && parsed.data.status === "SERVING");
        });
      });
    return {
      async read() {
        const answers = await Promise.all(clients.map(check));
        return { [service.channelId]: { serving: answers.filter(Boolean).length } };
      },
      async close() {
        for (const client of clients) client.close();
      },
    };
  };
}
