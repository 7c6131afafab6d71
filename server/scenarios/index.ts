import type { ScenarioDefinition } from "./definition";
import { natsRequestReply } from "./nats-request-reply";
import { natsQueueGroup } from "./nats-queue-group";
import { natsPubsub } from "./nats-pubsub";
import { natsJetstream } from "./nats-jetstream";
import { rabbitmqExchanges } from "./rabbitmq-exchanges";
import { rabbitmqRpc } from "./rabbitmq-rpc";
import { rabbitmqWorkQueue } from "./rabbitmq-work-queue";
import { redisPubsub } from "./redis-pubsub";
import { redisStreams } from "./redis-streams";
import { kafkaConsumerGroup } from "./kafka-consumer-group";

export const SCENARIOS: readonly ScenarioDefinition[] = [natsRequestReply, natsQueueGroup, natsPubsub, natsJetstream, rabbitmqWorkQueue, rabbitmqRpc, rabbitmqExchanges, redisPubsub, redisStreams, kafkaConsumerGroup];
