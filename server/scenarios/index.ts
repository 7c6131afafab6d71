/**
 * The one list of scenarios. Everything else derives from it: the catalogue, the program each
 * actor process runs, the recorder, the screenshots and the generic tests. Adding a scenario is
 * one folder and one line here.
 */
import type { ScenarioDefinition } from "./model";
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
import { orderPlacement } from "./order-placement";
import { orderSaga } from "./order-saga";
import { grpcInventory } from "./grpc-inventory";
import { socialPost } from "./social-post";
import { bankTransfer } from "./bank-transfer";
import { rideRequest } from "./ride-request";
import { cqrsProjection } from "./cqrs-projection";
import { hybridApi } from "./hybrid-api";
import { redisDriverStatus } from "./redis-driver-status";
import { kafkaDriverStatus } from "./kafka-driver-status";

export const SCENARIOS: readonly ScenarioDefinition[] = [natsRequestReply, natsQueueGroup, natsPubsub, natsJetstream, rabbitmqWorkQueue, rabbitmqRpc, rabbitmqExchanges, redisPubsub, redisStreams, kafkaConsumerGroup, orderPlacement, orderSaga, socialPost, rideRequest, bankTransfer, cqrsProjection, grpcInventory, hybridApi, redisDriverStatus, kafkaDriverStatus];
