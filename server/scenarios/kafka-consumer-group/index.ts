import type { LinkInfo } from "../../../lib/protocol";
import { defineScenario, publishField } from "../model";
import { kafkaConsumer } from "./consumer";
import { groupGauges } from "./gauges";
import { COMMIT_INTERVAL_MS, DEFAULT_PARTITIONS, GROUP, MAX_PARTITIONS, partitionChannels, TOPIC } from "./names";
import { kafkaProducer } from "./producer";
import { topicPeekSource } from "./peek";

/** Before the broker has been read: every partition to every consumer. */
function defaultLinks(partitions: number): LinkInfo[] {
  return partitionChannels(partitions).flatMap((c) => [
    { from: "role:producer", to: c.id },
    { from: c.id, to: "role:consumer" },
    { from: c.id, to: "role:replay" },
  ]);
}

export const kafkaConsumerGroup = defineScenario({
  id: "kafka-consumer-group",
  title: "Partitions and consumer groups",
  summary: `A producer sends keyed order events to the topic ${TOPIC}; a key always lands in the same partition, so its events stay in order. Consumers in group ${GROUP} split the partitions between them and commit their offsets every ${COMMIT_INTERVAL_MS / 1000} s. Kill one: after its session times out the group rebalances, and whatever it processed since its last commit is read again by the new owner. A replay group starts from the earliest offset and reads the whole history.`,
  pattern: "stream",
  roundTrip: "send → leader ack (acks=all)",
  publishLabel: "Send order event",
  publishFields: [publishField("key", { label: "Key (empty: 8 customers in turn)", initial: "", placeholder: "customer-3" })],
  settings: {
    delayMs: { label: "Work per record", unit: "ms", min: 0, max: 60_000, step: 10, default: 50 },
    partitions: { label: "Partitions", unit: "", min: 1, max: MAX_PARTITIONS, step: 1, default: DEFAULT_PARTITIONS },
  },
  roles: {
    producer: { description: `Sends keyed records to ${TOPIC}`, program: kafkaProducer, transport: "kafka", initial: 1, min: 1, max: 1, killable: false, publishes: true },
    consumer: { description: `Member of group ${GROUP}`, program: kafkaConsumer, transport: "kafka", initial: 2, min: 0, max: MAX_PARTITIONS, killable: true },
    replay: { description: "A new group from the earliest offset: reads the whole history", program: kafkaConsumer, transport: "kafka", initial: 0, min: 0, max: 3, killable: true },
  },
  commands: [
    { type: "publish", description: "Send one event, or a burst of count; key picks the partition" },
    { type: "add-actor", description: "Add a consumer to the group (it rebalances), or a replay group" },
    { type: "kill-actor", description: "SIGKILL a consumer; its partitions move after its session times out" },
    { type: "set", description: "Change delayMs (work per record) or partitions (Kafka can add, never remove)" },
    { type: "reset", description: "Clear the ledger and the hop log" },
  ],
  channels: partitionChannels(DEFAULT_PARTITIONS),
  links: defaultLinks(DEFAULT_PARTITIONS),
  delivery: { guarantee: "at-least-once", completesOn: ["processed"], exclusiveDelivery: true, keyOrder: true },
  gauges: { transport: "kafka", open: groupGauges },
  peek: topicPeekSource,
  demo: { settings: { delayMs: 300 }, add: ["consumer"], warmupMs: 8000, before: [{ count: 12 }], kill: { role: "consumer", afterMs: 1200 }, settleMs: 14_000 },
});
