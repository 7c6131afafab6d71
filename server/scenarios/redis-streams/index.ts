import { defineScenario } from "../model";
import { CLAIM_AFTER_IDLE } from "../shared/redis-stream-group";
import { redisStreamConsumer } from "./consumer";
import { redisStreamFateSource } from "./fates";
import { streamGauges } from "./gauges";
import { DLQ_CHANNEL_ID, DLQ_STREAM, GROUPS, STREAM, STREAM_CHANNEL_ID } from "./names";
import { redisStreamProducer } from "./producer";
import { streamPeekSource } from "./peek";

export const redisStreams = defineScenario({
  id: "redis-streams",
  title: "Streams and consumer groups",
  summary:
    "A producer XADDs task events to tasks:created. Two consumer groups, email-service and analytics-service, each get every entry; within a group each entry goes to one consumer, which XACKs it when done. A killed consumer's pending entries are claimed by another after a minimum idle time. Failing entries are retried after 100, 400 and 900 ms, then moved to tasks:created:dlq. This Redis keeps nothing on disk: a restart loses the stream, its groups and their pending entries.",
  pattern: "stream",
  roundTrip: "XADD → Redis answer",
  publishLabel: "Add task",
  settings: {
    delayMs: { label: "Work per entry", unit: "ms", min: 0, max: 60_000, step: 10, default: 100 },
    failRate: { label: "Failure rate", unit: "0–1", min: 0, max: 1, step: 0.1, default: 0 },
    minIdleMs: CLAIM_AFTER_IDLE,
    maxLen: { label: "MAXLEN ~ (0 = off)", unit: "", min: 0, max: 10_000_000, step: 100, default: 0 },
  },
  roles: {
    producer: { description: `XADDs to ${STREAM}`, program: redisStreamProducer, transport: "redis", initial: 1, min: 1, max: 1, killable: false, publishes: true },
    "email-service": { description: "Consumer in group email-service", program: redisStreamConsumer, transport: "redis", initial: 2, min: 0, max: 6, killable: true },
    "analytics-service": { description: "Consumer in group analytics-service", program: redisStreamConsumer, transport: "redis", initial: 1, min: 0, max: 6, killable: true },
    replay: { description: "A new group created from 0: it reads the whole history", program: redisStreamConsumer, transport: "redis", initial: 0, min: 0, max: 3, killable: true },
  },
  commands: [
    { type: "publish", description: "Add one task, or a burst of count" },
    { type: "add-actor", description: "Add a consumer to a group, or a replay group" },
    { type: "kill-actor", description: "SIGKILL a consumer; its pending entries wait for a claim" },
    { type: "set", description: "Change delayMs, failRate, minIdleMs (claim after) or maxLen (XTRIM ~, 0 = off)" },
    { type: "reset", description: "Clear the ledger and the hop log" },
  ],
  channels: [
    { id: STREAM_CHANNEL_ID, label: STREAM, kind: "stream" },
    { id: DLQ_CHANNEL_ID, label: DLQ_STREAM, kind: "dead-letter stream", column: "sink" },
  ],
  links: [
    { from: "role:producer", to: STREAM_CHANNEL_ID },
    ...GROUPS.map((g) => ({ from: STREAM_CHANNEL_ID, to: `role:${g}`, label: g })),
    { from: STREAM_CHANNEL_ID, to: "role:replay" },
    ...GROUPS.map((g) => ({ from: `role:${g}`, to: DLQ_CHANNEL_ID })),
  ],
  // A dead consumer's last hops die with it; the group's pending list says what became of what it held.
  delivery: { guarantee: "at-least-once", fates: redisStreamFateSource },
  gauges: { transport: "redis", open: streamGauges },
  peek: streamPeekSource,
  demo: { settings: { delayMs: 600, failRate: 0, minIdleMs: 1000 }, before: [{ count: 5 }], kill: { role: "email-service", afterMs: 400 }, settleMs: 8000 },
});
