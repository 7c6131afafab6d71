/**
 * What Kafka's group coordinator holds for the instance's consumer groups on the witnessed topics:
 * each group's committed offsets against the log's end, read every half second. It is a fact
 * about the broker, not a hop: a witness shows the broker's lag beside what the ledger counts in
 * flight.
 */
import type { Admin } from "kafkajs";
import type { GroupLag } from "../../lib/crosscheck";
import { createKafka } from "../brokers/kafka";
import { withTimeout } from "../measure/timeout";
import { Every } from "./every";

export const LAG_POLL_MS = 500;
const LAG_START_MS = 10_000;

export class KafkaLagPoller {
  private readonly reads: Every<GroupLag[]>;

  private constructor(
    private readonly admin: Admin,
    private readonly topics: readonly string[],
    private readonly groupPrefix: string,
  ) {
    this.reads = new Every(LAG_POLL_MS, () => this.read(), []);
  }

  static async start(brokers: string, topics: readonly string[], groupPrefix: string): Promise<KafkaLagPoller> {
    const admin = createKafka({ brokers, clientId: "hopscope-tap-lag" }).admin();
    try {
      await withTimeout(admin.connect(), LAG_START_MS, "Kafka for the lag tap");
    } catch (error) {
      await admin.disconnect().catch(() => undefined);
      throw error;
    }
    const poller = new KafkaLagPoller(admin, topics, groupPrefix);
    await poller.reads.start();
    return poller;
  }

  current(): GroupLag[] {
    return this.reads.current();
  }

  async close(): Promise<void> {
    this.reads.stop();
    await this.admin.disconnect().catch(() => undefined);
  }

  private async read(): Promise<GroupLag[]> {
    const { groups } = await this.admin.listGroups();
    const ours = groups.map((g) => g.groupId).filter((id) => id.startsWith(this.groupPrefix));
    const next: GroupLag[] = [];
    for (const topic of this.topics) {
      const ends = await this.admin.fetchTopicOffsets(topic);
      const end = ends.reduce((sum, p) => sum + Number(p.high), 0);
      for (const group of ours) {
        const [committed] = await this.admin.fetchOffsets({ groupId: group, topics: [topic] });
        const parts = committed?.partitions ?? [];
        // A partition the group never committed on is not its: it reads another topic.
        if (!parts.some((p) => Number(p.offset) >= 0)) continue;
        const committedBy = new Map(parts.map((p) => [p.partition, Math.max(0, Number(p.offset))]));
        const lag = ends.reduce((sum, p) => sum + Math.max(0, Number(p.high) - (committedBy.get(p.partition) ?? Number(p.low))), 0);
        next.push({ topic, group, end, lag });
      }
    }
    return next;
  }
}
