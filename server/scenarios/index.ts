import type { ScenarioDefinition } from "./definition";
import { natsRequestReply } from "./nats-request-reply";
import { rabbitmqExchanges } from "./rabbitmq-exchanges";
import { rabbitmqRpc } from "./rabbitmq-rpc";
import { rabbitmqWorkQueue } from "./rabbitmq-work-queue";
import { redisPubsub } from "./redis-pubsub";
import { redisStreams } from "./redis-streams";

export const SCENARIOS: readonly ScenarioDefinition[] = [natsRequestReply, rabbitmqWorkQueue, rabbitmqRpc, rabbitmqExchanges, redisPubsub, redisStreams];
