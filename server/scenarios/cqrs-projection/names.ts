/**
 * Seed 004, pattern 2 (CQRS), drawn as seed 001's "CQRS with event sourcing": the command side
 * appends task events to a Kafka topic, the event store; a projector group folds them into a
 * read model in Redis; a query service answers from that read model only.
 */
export const TOPIC = "task-events";
export const TOPIC_CHANNEL_ID = `kafka:${TOPIC}`;
/** One partition: the log is one sequence, so an event's offset + 1 is the version it makes. */
export const PARTITIONS = 1;
export const PROJECTOR_GROUP = "task-projector";
/** The read model: one Redis hash, a field per task, plus the version it has reached. */
export const READ_MODEL = "task-board";
export const READ_MODEL_CHANNEL_ID = `redis:${READ_MODEL}`;
/** Fields of the read model that are not tasks. */
export const VERSION_FIELD = "_version";
export const WRITTEN_AT_FIELD = "_writtenAt";
export const TRACE_FIELD = "_traceId";

export const COMMAND_SERVICE = "command-service";
export const PROJECTOR = "projector";
export const QUERY_SERVICE = "query-service";

/** Offsets of projected events are committed this often; a new projector starts from the last commit. */
export const COMMIT_INTERVAL_MS = 1_000;
/** Kafka's minimum by default: a killed projector leaves the group this long after its last heartbeat. */
export const SESSION_TIMEOUT_MS = 6_000;

/** The task events of seed 004's event-sourcing example, in the order a task meets them. */
export const TASK_EVENTS = ["task.created", "task.started", "task.completed"] as const;
export type TaskEvent = (typeof TASK_EVENTS)[number];
export const STATUS_AFTER: Record<TaskEvent, string> = { "task.created": "PENDING", "task.started": "IN_PROGRESS", "task.completed": "COMPLETED" };

/** The projection's write of one event into the read model is a message of the event's trace. */
export const viewWriteId = (eventId: string) => `${eventId}/view`;
