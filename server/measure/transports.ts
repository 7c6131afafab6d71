import type { MeasureId } from "../../lib/measurements";
import { grpcUnary } from "./grpc";
import { kafka } from "./kafka";
import { natsJetstream, natsPubsub, natsRequestReply } from "./nats";
import { rabbitmq } from "./rabbitmq";
import { redisPubsub, redisStreams } from "./redis";
import type { Transport } from "./transport";

export const TRANSPORTS: Record<MeasureId, Transport> = {
  "nats-request-reply": natsRequestReply,
  "nats-pubsub": natsPubsub,
  "nats-jetstream": natsJetstream,
  rabbitmq,
  "redis-pubsub": redisPubsub,
  "redis-streams": redisStreams,
  kafka,
  "grpc-unary": grpcUnary,
};

export function transportOf(id: MeasureId): Transport {
  return TRANSPORTS[id];
}
