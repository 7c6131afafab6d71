import { endpointOf, probeTcp } from "./probe";

const AMQP_0_9_1_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0x00, 0x00, 0x09, 0x01]);
const FRAME_METHOD = 0x01;

/** A broker answers the AMQP 0-9-1 protocol header with a Connection.Start method frame. */
export function probeRabbitmq(url: string, timeoutMs: number): Promise<void> {
  return probeTcp(endpointOf(url, 5672), AMQP_0_9_1_HEADER, (b) => b.length >= 7 && b[0] === FRAME_METHOD, timeoutMs);
}

export const RABBITMQ_START_COMMAND = "npm run brokers (or: docker compose up -d rabbitmq)";
