import type { PeekTopic } from "../../../lib/protocol";
import { createKafka, partitionFigures } from "../../brokers/kafka";
import type { Namespace } from "../../brokers/namespace";
import type { PeekReader, PeekSource } from "../model";
import { GROUP, TOPIC } from "./names";

/** Each partition's stored range and the group's committed offset: admin reads, nothing consumed. */
export function topicPeek(brokers: string, names: Namespace): PeekReader {
  const admin = createKafka({ brokers, clientId: "hopscope-peek" }).admin();
  let connected: Promise<void> | null = null;
  return {
    async peek(target) {
      connected ??= admin.connect().catch((error: unknown) => {
        connected = null;
        throw error;
      });
      await connected;
      const figures = await partitionFigures(admin, names.name(TOPIC), names.name(GROUP));
      return {
        kind: "topic",
        target,
        label: TOPIC,
        at: Date.now(),
        method: "admin fetchTopicOffsets and fetchOffsets: the log's range and the group's commits, no record read",
        group: GROUP,
        // Never committed: the group starts from the earliest offset, so everything stored waits.
        partitions: figures.map(({ partition, start, end, committed }) => ({ partition, low: start, high: end, committed, lag: Math.max(0, end - (committed ?? start)) })),
      } satisfies PeekTopic;
    },
    async close() {
      await admin.disconnect().catch(() => undefined);
    },
  };
}

export const topicPeekSource: PeekSource = {
  transport: "kafka",
  targets: [{ id: "topic", label: TOPIC }],
  open: topicPeek,
};
