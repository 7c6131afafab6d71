import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";

const compose = readFileSync(new URL("../docker-compose.yml", import.meta.url), "utf8");

/** Each service's image, by service name (the two-space-indented keys under `services:`). */
function images(): Map<string, string> {
  const found = new Map<string, string>();
  let service = "";
  for (const line of compose.split("\n")) {
    const name = /^ {2}([a-z0-9-]+):\s*$/.exec(line);
    if (name?.[1]) service = name[1];
    const image = /^ {4}image:\s*(\S+)\s*$/.exec(line);
    if (image?.[1]) found.set(service, image[1]);
  }
  return found;
}

describe("docker-compose.yml", () => {
  test("publishes every port on loopback only, so a workshop LAN never reaches a broker or guest/guest", () => {
    const mappings = [...compose.matchAll(/^\s+-\s+"?([0-9.:]+:\d+)"?\s*$/gm)].map((m) => m[1]);
    expect(mappings).toHaveLength(6);
    expect(mappings.filter((m) => !m?.startsWith("127.0.0.1:"))).toEqual([]);
  });

  test("runs supported broker releases: NATS 2.11+, RabbitMQ 4 with management, Redis 7 or 8, Kafka", () => {
    const byService = images();
    expect([...byService.keys()].sort()).toEqual(["kafka", "nats", "rabbitmq", "redis"]);
    expect(byService.get("nats")).toMatch(/^nats:2\.(1[1-9]|[2-9]\d)(\.\d+)?(-alpine)?$/);
    expect(byService.get("rabbitmq")).toMatch(/^rabbitmq:4(\.\d+)*-management(-alpine)?$/);
    expect(byService.get("redis")).toMatch(/^redis:[78](\.\d+)*(-alpine)?$/);
    expect(byService.get("kafka")).toMatch(/^apache\/kafka:4\./);
  });

  test("NATS keeps JetStream and monitoring on", () => {
    expect(compose).toMatch(/command: \["-js", "-sd", "\/data", "-m", "8222"\]/);
  });
});
