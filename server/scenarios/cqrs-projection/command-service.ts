import { z } from "zod";
import { describeZodError } from "../../../lib/protocol";
import { describeMessage, messageIds, now, type ActorProgram } from "../../actors/runtime";
import { createKafka, ensureTopic, MESSAGE_ID_HEADER } from "../../brokers/kafka";
import { PARTITIONS, STATUS_AFTER, TASK_EVENTS, TOPIC, TOPIC_CHANNEL_ID, type TaskEvent } from "./names";

/** What a presenter may send as a command's payload; anything left out is made up. */
const taskCommandSchema = z.object({ taskId: z.string().min(1).max(64).optional(), title: z.string().max(120).optional(), event: z.enum(TASK_EVENTS).optional() }).strict();

const TITLES = ["Write the release notes", "Review the pull request", "Rotate the API keys", "Update the runbook", "Fix the flaky test"];

/** The n-th command of a run: each task is created, started and completed, then the next one. */
function sampleCommand(n: number): { taskId: string; title: string; event: TaskEvent } {
  const task = Math.floor((n - 1) / TASK_EVENTS.length);
  return { taskId: `task-${task + 1}`, title: TITLES[task % TITLES.length] ?? "Task", event: TASK_EVENTS[(n - 1) % TASK_EVENTS.length] ?? "task.created" };
}

/** The presenter's payload, checked: an object with these fields, or text that becomes the title. */
function overridesOf(payload: unknown): z.infer<typeof taskCommandSchema> {
  if (payload === undefined) return {};
  const parsed = taskCommandSchema.safeParse(typeof payload === "string" ? { title: payload } : payload);
  if (!parsed.success) throw new Error(`payload: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

/**
 * The write side: each command is appended to the event store (the Kafka topic) and counts as
 * written once Kafka confirms it with acks=all. The offset it gets makes its version. Nothing
 * here touches the read model; that is the projector's job.
 */
export const commandService: ActorProgram = async (ctx) => {
  const self = ctx.spec.id;
  const topic = ctx.names.name(TOPIC);
  const kafka = createKafka({ brokers: ctx.spec.brokerUrl, clientId: self, log: ctx.log });
  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  await ensureTopic(admin, topic, PARTITIONS);
  await admin.disconnect();
  const nextId = messageIds();

  return {
    async handle(command) {
      if (command.type !== "publish") return null;
      const overrides = overridesOf(command.payload);
      const ids: string[] = [];
      const versions: number[] = [];
      for (let i = 0; i < command.count; i++) {
        const { id, n } = nextId();
        const task = { ...sampleCommand(n), ...overrides };
        const writtenAt = Date.now();
        const body = Buffer.from(JSON.stringify({ eventType: task.event, taskId: task.taskId, title: task.title, status: STATUS_AFTER[task.event], writtenAt: new Date(writtenAt).toISOString() }));
        const message = describeMessage({ id, destination: TOPIC, attempt: 1, redelivered: false }, body);
        const sentAt = now();
        ctx.emit({ kind: "published", from: self, to: TOPIC_CHANNEL_ID, message: { ...message, partition: 0, key: task.taskId }, at: sentAt });
        try {
          const [answer] = await producer.send({ topic, acks: -1, messages: [{ key: task.taskId, value: body, partition: 0, timestamp: String(writtenAt), headers: { [MESSAGE_ID_HEADER]: id } }] });
          const offset = answer?.baseOffset ?? "0";
          const version = Number(offset) + 1;
          ctx.emit({ kind: "confirmed", from: TOPIC_CHANNEL_ID, to: self, message: { ...message, partition: 0, key: task.taskId, offset }, rttMs: now() - sentAt, reason: `written as v${version}` });
          versions.push(version);
        } catch (error) {
          // Unconfirmed is not written: said as it is, rather than left in flight for ever.
          ctx.emit({ kind: "dropped", from: self, to: TOPIC_CHANNEL_ID, message, reason: `not confirmed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 200) });
          throw error;
        }
        ids.push(id);
      }
      return { messageIds: ids, versions };
    },
    async close() {
      await producer.disconnect().catch(() => undefined);
    },
  };
};
