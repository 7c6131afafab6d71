import type { BrokerId } from "../../../lib/protocol";
import type { ActorProgram } from "../runtime";
import { natsRequester } from "./nats-requester";
import { natsResponder } from "./nats-responder";
import { natsReservePublisher, natsEventPublisher } from "./nats-core-publisher";
import { natsQueueWorker } from "./nats-queue-worker";
import { natsEventSubscriber } from "./nats-event-subscriber";
import { natsJsPublisher } from "./nats-js-publisher";
import { natsJsWorker } from "./nats-js-worker";
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
import { kafkaProducer } from "./kafka-producer";
import { kafkaConsumer } from "./kafka-consumer";

export const PROGRAMS: Record<string, { broker: BrokerId; program: ActorProgram }> = {
  "nats-requester": { broker: "nats", program: natsRequester },
  "nats-responder": { broker: "nats", program: natsResponder },
  "nats-reserve-publisher": { broker: "nats", program: natsReservePublisher },
  "nats-queue-worker": { broker: "nats", program: natsQueueWorker },
  "nats-event-publisher": { broker: "nats", program: natsEventPublisher },
  "nats-event-subscriber": { broker: "nats", program: natsEventSubscriber },
  "nats-js-publisher": { broker: "nats", program: natsJsPublisher },
  "nats-js-worker": { broker: "nats", program: natsJsWorker },
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
  "kafka-producer": { broker: "kafka", program: kafkaProducer },
  "kafka-consumer": { broker: "kafka", program: kafkaConsumer },
};
