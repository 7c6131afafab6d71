import type { BrokerId } from "../../../lib/protocol";
import type { ActorProgram } from "../runtime";
import { natsRequester } from "./nats-requester";
import { natsResponder } from "./nats-responder";
import { benchEmitter } from "./bench-emitter";
import { rabbitmqProducer } from "./rabbitmq-producer";
import { rabbitmqWorker } from "./rabbitmq-worker";

export const PROGRAMS: Record<string, { broker: BrokerId; program: ActorProgram }> = {
  "nats-requester": { broker: "nats", program: natsRequester },
  "nats-responder": { broker: "nats", program: natsResponder },
  "bench-emitter": { broker: "nats", program: benchEmitter },
  "rabbitmq-producer": { broker: "rabbitmq", program: rabbitmqProducer },
  "rabbitmq-worker": { broker: "rabbitmq", program: rabbitmqWorker },
};
