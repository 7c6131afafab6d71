/**
 * The one place that knows kafkajs: clients, topics, and what the broker says about a group.
 * Everything else asks these functions.
 */
import { AssignerProtocol, Kafka, logLevel, Partitioners, type Admin, type Consumer, type ConsumerConfig, type IHeaders, type LogEntry, type Producer } from "kafkajs";
import { endpointOf, probeTcp } from "./probe";

const API_VERSIONS = 18;
const CORRELATION_ID = 0x4853;

/** An ApiVersions v0 request; Kafka answers with the same correlation id. */
function apiVersionsRequest(): Buffer {
  const clientId = Buffer.from("hopscope-health");
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  body.writeInt16BE(API_VERSIONS, 0);
  body.writeInt16BE(0, 2);
  body.writeInt32BE(CORRELATION_ID, 4);
  body.writeInt16BE(clientId.length, 8);
  clientId.copy(body, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

export function probeKafka(brokers: string, timeoutMs: number): Promise<void> {
  return probeTcp(endpointOf(brokers, 9092), apiVersionsRequest(), (b) => b.length >= 8 && b.readInt32BE(4) === CORRELATION_ID, timeoutMs);
}

export const KAFKA_START_COMMAND = "npm run brokers (or: docker compose up -d kafka)";

/** Every Hopscope record names itself, and its key's running number, in these headers. */
export const MESSAGE_ID_HEADER = "hopscope-message-id";
export const KEY_SEQ_HEADER = "hopscope-key-seq";
/** The business action a record belongs to, where it is one step of a story (an order). */
export const TRACE_ID_HEADER = "hopscope-trace-id";

/** A record header as text; kafkajs hands a header over as a buffer, or a list of them. */
export function headerOf(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

export interface KafkaClientOptions {
  brokers: string;
  clientId: string;
  /** kafkajs errors, in one line each; rebalances make it chatty at lower levels. */
  log?: (line: string) => void;
}

export interface KafkaClient {
  admin(): Admin;
  producer(): Producer;
  consumer(config: ConsumerConfig): Consumer;
}

export function createKafka({ brokers, clientId, log }: KafkaClientOptions): KafkaClient {
  const kafka = new Kafka({
    clientId,
    brokers: brokers.split(",").map((b) => b.trim()),
    connectionTimeout: 3_000,
    // Keeps trying while the broker restarts; a consumer that still gives up crashes, and the
    // crash is supervised by its actor.
    retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 12 },
    logLevel: log ? logLevel.ERROR : logLevel.NOTHING,
    // A connection's error responses (a rebalance in progress, a topic that exists) are handled
    // by the client itself; what is left is worth a line.
    logCreator: () => (entry: LogEntry) => {
      if (entry.namespace !== "Connection") log?.(`kafkajs ${entry.namespace}: ${entry.log.message}`);
    },
  });
  return {
    admin: () => kafka.admin(),
    // One request in flight keeps a key's records in the order they were sent, even on retries.
    producer: () => kafka.producer({ maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner }),
    consumer: (config) => kafka.consumer(config),
  };
}

/** The partition Kafka's default partitioner (murmur2, like the Java client's) picks for a key. */
export function partitionForKey(topic: string, key: string, partitions: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0, offlineReplicas: [] }));
  return partitioner({ topic, partitionMetadata, message: { key, value: null } });
}

/** Creates the topic, or adds partitions up to `partitions`; Kafka can never remove them. */
export async function ensureTopic(admin: Admin, topic: string, partitions: number): Promise<number> {
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  } catch (error) {
    // Another actor created it at the same moment: what matters is that it exists now.
    if (!String(error).includes("already exists")) throw error;
  }
  const current = await partitionCount(admin, topic);
  if (current < partitions) {
    await admin.createPartitions({ topicPartitions: [{ topic, count: partitions }] });
    return partitions;
  }
  return current;
}

export async function partitionCount(admin: Admin, topic: string): Promise<number> {
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  return metadata.topics[0]?.partitions.length ?? 0;
}

export interface PartitionFigures {
  partition: number;
  /** The offset the next record will get. */
  end: number;
  /** The oldest offset still in the log. */
  start: number;
  /** The group's committed offset, or null before its first commit. */
  committed: number | null;
}

export interface GroupPicture {
  state: string;
  /** Partition → the client id of the member that owns it. */
  owners: Map<number, string>;
}

/** Log end and committed offsets per partition, for one group. */
export async function partitionFigures(admin: Admin, topic: string, groupId: string): Promise<PartitionFigures[]> {
  const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
  const committedBy = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  return ends
    .map((e) => {
      const c = committedBy.get(e.partition);
      return { partition: e.partition, end: Number(e.high), start: Number(e.low), committed: c === undefined || c < 0 ? null : c };
    })
    .sort((a, b) => a.partition - b.partition);
}

/** The partitions of `topic` the group coordinator assigned to one member (none while it rebalances). */
export function assignedPartitions(member: { memberAssignment: Buffer }, topic: string): number[] {
  const decoded = member.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(member.memberAssignment) : null;
  return decoded?.assignment[topic] ?? [];
}

/** The group's state and who owns which partition, as the group coordinator has it. */
export async function describeGroup(admin: Admin, topic: string, groupId: string): Promise<GroupPicture> {
  const { groups } = await admin.describeGroups([groupId]);
  const group = groups[0];
  const owners = new Map<number, string>();
  for (const member of group?.members ?? []) for (const partition of assignedPartitions(member, topic)) owners.set(partition, member.clientId);
  return { state: group?.state ?? "Unknown", owners };
}
