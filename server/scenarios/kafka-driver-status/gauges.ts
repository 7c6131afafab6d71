import { createKafka, partitionFigures } from "../../brokers/kafka";
import type { Namespace } from "../../brokers/namespace";
import type { GaugeReader } from "../model";
import { DRIVER_STATUS, SERVICES } from "../shared/driver-status";
import { TOPIC_ID } from "./names";

/** The topic's log end, and how far behind it each service's group is: a service that is down falls behind. */
export function serviceLag(brokers: string, names: Namespace): GaugeReader {
  const topic = names.name(DRIVER_STATUS);
  const admin = createKafka({ brokers, clientId: "hopscope-gauges" }).admin();
  let connected: Promise<void> | null = null;
  return {
    async read() {
      connected ??= admin.connect().catch((error: unknown) => {
        connected = null;
        throw error;
      });
      await connected;
      const figures = await Promise.all(SERVICES.map(async (service) => ({ service, partitions: await partitionFigures(admin, topic, names.name(service)) })));
      const end = figures[0]?.partitions.reduce((sum, p) => sum + p.end, 0) ?? 0;
      const topicGauges: Record<string, number> = { end };
      for (const { service, partitions } of figures) topicGauges[`${service} lag`] = partitions.reduce((sum, p) => sum + (p.end - (p.committed ?? p.start)), 0);
      return { [TOPIC_ID]: topicGauges };
    },
    layout: () => null,
    async close() {
      await admin.disconnect().catch(() => undefined);
    },
  };
}
