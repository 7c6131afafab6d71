import { endpointOf, probeTcp } from "./probe";

const API_VERSIONS = 18;
const CORRELATION_ID = 0x4853;

/** An ApiVersions v0 request; Kafka answers with the same correlation id. */
function apiVersionsRequest(): Buffer {
  const clientId = Buffer.from("hopscope-health");
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  body.writeInt16BE(API_VERSIONS, 0);
  body.writeInt16BE(0, 2);
  body.writeInt32BE(CORRELATION_ID, 4);
  body.writeInt16BE(clientId.length, 8);
  clientId.copy(body, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

export function probeKafka(brokers: string, timeoutMs: number): Promise<void> {
  return probeTcp(endpointOf(brokers, 9092), apiVersionsRequest(), (b) => b.length >= 8 && b.readInt32BE(4) === CORRELATION_ID, timeoutMs);
}

export const KAFKA_START_COMMAND = "docker compose up -d kafka";
