import { randomBytes } from "node:crypto";

/**
 * Every broker object a run creates carries "measure" and the run's id, so two runs (or a run
 * and a scenario) never share one, and whatever a crashed run left behind is easy to find.
 */
export interface MeasureNames {
  runId: string;
  /** NATS subjects: `measure.<run>.<what>`. */
  subject(what: string): string;
  /** JetStream streams and consumers, whose names may not hold a dot. */
  stream: string;
  consumer: string;
  queue: string;
  redisChannel: string;
  redisStream: string;
  redisGroup: string;
  kafkaTopic: string;
  kafkaGroup: string;
}

export const MEASURE_PREFIX = "measure";

export function newRunId(): string {
  return randomBytes(5).toString("hex");
}

export function measureNames(runId: string): MeasureNames {
  const dashed = `${MEASURE_PREFIX}-${runId}`;
  return {
    runId,
    subject: (what) => `${MEASURE_PREFIX}.${runId}.${what}`,
    stream: dashed,
    consumer: `${dashed}-consumer`,
    queue: `${MEASURE_PREFIX}.${runId}`,
    redisChannel: `${MEASURE_PREFIX}:${runId}:pubsub`,
    redisStream: `${MEASURE_PREFIX}:${runId}:stream`,
    redisGroup: `${dashed}-group`,
    kafkaTopic: dashed,
    kafkaGroup: `${dashed}-group`,
  };
}
