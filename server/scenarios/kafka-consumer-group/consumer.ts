import { groupConsumer } from "../shared/kafka-group-consumer";
import { groupOf, partitionChannelId, TOPIC } from "./names";

/** A member of the order events' consumer group, or of a replay group of its own. */
export const kafkaConsumer = groupConsumer<"delayMs" | "partitions">({
  topic: TOPIC,
  group: groupOf,
  channelOf: partitionChannelId,
  partitions: (ctx) => ctx.settings.partitions,
  delayMs: (ctx) => ctx.settings.delayMs,
});
