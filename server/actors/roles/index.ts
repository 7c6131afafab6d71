import type { BrokerId } from "../../../lib/protocol";
import type { ActorProgram } from "../runtime";
import { natsRequester } from "./nats-requester";
import { natsResponder } from "./nats-responder";
import { benchEmitter } from "./bench-emitter";
import { rabbitmqProducer } from "./rabbitmq-producer";
import { rabbitmqWorker } from "./rabbitmq-worker";
import { rabbitmqRpcClient } from "./rabbitmq-rpc-client";
import { rabbitmqRpcResponder } from "./rabbitmq-rpc-responder";
import { rabbitmqPublisher } from "./rabbitmq-publisher";
import { rabbitmqExchangeConsumer } from "./rabbitmq-exchange-consumer";
import { redisPublisher } from "./redis-publisher";
import { redisSubscriber } from "./redis-subscriber";
import { redisStreamProducer } from "./redis-stream-producer";
import { redisStreamConsumer } from "./redis-stream-consumer";

export const PROGRAMS: Record<string, { broker: BrokerId; program: ActorProgram }> = {
  "nats-requester": { broker: "nats", program: natsRequester },
  "nats-responder": { broker: "nats", program: natsResponder },
  "bench-emitter": { broker: "nats", program: benchEmitter },
  "rabbitmq-producer": { broker: "rabbitmq", program: rabbitmqProducer },
  "rabbitmq-worker": { broker: "rabbitmq", program: rabbitmqWorker },
  "rabbitmq-rpc-client": { broker: "rabbitmq", program: rabbitmqRpcClient },
  "rabbitmq-rpc-responder": { broker: "rabbitmq", program: rabbitmqRpcResponder },
  "rabbitmq-publisher": { broker: "rabbitmq", program: rabbitmqPublisher },
  "rabbitmq-exchange-consumer": { broker: "rabbitmq", program: rabbitmqExchangeConsumer },
  "redis-publisher": { broker: "redis", program: redisPublisher },
  "redis-subscriber": { broker: "redis", program: redisSubscriber },
  "redis-stream-producer": { broker: "redis", program: redisStreamProducer },
  "redis-stream-consumer": { broker: "redis", program: redisStreamConsumer },
};
