import type { ScenarioDefinition } from "./definition";
import { natsRequestReply } from "./nats-request-reply";
import { rabbitmqWorkQueue } from "./rabbitmq-work-queue";

export const SCENARIOS: readonly ScenarioDefinition[] = [natsRequestReply, rabbitmqWorkQueue];
