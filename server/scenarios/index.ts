import type { ScenarioDefinition } from "./definition";
import { natsRequestReply } from "./nats-request-reply";

export const SCENARIOS: readonly ScenarioDefinition[] = [natsRequestReply];
