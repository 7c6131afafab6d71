/**
 * Seed 001's pattern 1, "synchronous + async hybrid": an API gateway calls the orders service
 * over gRPC and waits; the orders service streams an event to analytics over Kafka and queues
 * an email job on RabbitMQ. Broker objects carry their own names: the Kafka scenario already
 * owns the topic `orders` and the group `analytics-service`, and the job queue scenario a queue
 * `emails` with other arguments; sharing one would take each other's messages.
 */
import type { Namespace } from "../../brokers/namespace";
import type { GroupChoice } from "../shared/kafka-group-consumer";
import { grpcService } from "../shared/grpc/service";

export const ORDERS = grpcService({ name: "hopscope.orders.OrdersService", proto: new URL("./orders.proto", import.meta.url), methods: ["PlaceOrder"] });
export const PLACE_ORDER = ORDERS.destinationOf("PlaceOrder");

/** The order events, for analytics: kept, replayable, read by a consumer group. */
export const EVENT_TOPIC = "order-events";
export const EVENT_TOPIC_CHANNEL_ID = `kafka:${EVENT_TOPIC}`;
/** Enough for each analytics member to own one or two, and for a survivor to take a victim's. */
export const EVENT_PARTITIONS = 3;
export const EVENT = "order_placed";
export const ANALYTICS_GROUP = "analytics";

/** Every analytics member joins the one group, from the earliest offset the group never committed. */
export function analyticsGroup(_role: string, _actorId: string, names: Namespace): GroupChoice {
  return { groupId: names.name(ANALYTICS_GROUP), groupName: ANALYTICS_GROUP, fromBeginning: true };
}

/** The email jobs: work distribution with acks, so a worker's death loses none. */
export const EMAIL_QUEUE = "orders.emails";
export const EMAIL_QUEUE_CHANNEL_ID = `rabbitmq:${EMAIL_QUEUE}`;
export const EMAIL_JOB = "confirmation-email";

export const MAX_ORDER_SERVICES = 4;
