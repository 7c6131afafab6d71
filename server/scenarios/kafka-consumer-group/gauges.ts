import type { LinkInfo, LiveLayout } from "../../../lib/protocol";
import { createKafka, describeGroup, partitionFigures } from "../../brokers/kafka";
import type { Namespace } from "../../brokers/namespace";
import type { GaugeReader } from "../model";
import { GROUP, partitionChannelId, partitionChannels, TOPIC } from "./names";

/**
 * Per partition: log end, the group's committed offset and its lag; per consumer: its lag. The
 * layout draws each partition to the member that owns it, as the group coordinator says.
 */
export function groupGauges(brokers: string, names: Namespace): GaugeReader {
  const topic = names.name(TOPIC);
  const groupId = names.name(GROUP);
  const admin = createKafka({ brokers, clientId: "hopscope-gauges" }).admin();
  let connected: Promise<void> | null = null;
  let layout: LiveLayout | null = null;
  return {
    async read() {
      connected ??= admin.connect().catch((error: unknown) => {
        connected = null;
        throw error;
      });
      await connected;
      const [figures, group] = await Promise.all([partitionFigures(admin, topic, groupId), describeGroup(admin, topic, groupId)]);
      const gauges: Record<string, Record<string, number>> = {};
      const links: LinkInfo[] = [];
      for (const { partition, end, start, committed } of figures) {
        // Never committed: the group reads from the earliest offset, so all of it waits.
        const lag = end - (committed ?? start);
        const channel = partitionChannelId(partition);
        gauges[channel] = { end, committed: committed ?? 0, lag };
        links.push({ from: "role:producer", to: channel });
        const owner = group.owners.get(partition);
        if (owner) {
          links.push({ from: channel, to: owner });
          const member = (gauges[owner] ??= { partitions: 0, lag: 0 });
          member.partitions = (member.partitions ?? 0) + 1;
          member.lag = (member.lag ?? 0) + lag;
        }
        links.push({ from: channel, to: "role:replay" });
      }
      const rebalancing = group.state === "PreparingRebalance" || group.state === "CompletingRebalance";
      layout = {
        channels: partitionChannels(figures.length),
        links,
        caption: `group ${GROUP}: ${rebalancing ? "rebalancing…" : group.state === "Empty" || group.state === "Dead" ? "no members" : `${new Set(group.owners.values()).size} member(s) own ${group.owners.size} of ${figures.length} partitions`}`,
      };
      return gauges;
    },
    layout: () => layout,
    async close() {
      await admin.disconnect().catch(() => undefined);
    },
  };
}
