import { describe, expect, test } from "vitest";
import { natsPortOf } from "./broker-restarts";

describe("which nats-server the soak restarts", () => {
  test("the port a command line listens on, in each way nats-server takes it", () => {
    expect(natsPortOf(["-a", "127.0.0.1", "-p", "4222", "-js"])).toBe(4222);
    expect(natsPortOf(["-a", "127.0.0.1", "-p", "4223", "-js", "-sd", "/data/nats-tracing/store"])).toBe(4223);
    expect(natsPortOf(["--port", "5222"])).toBe(5222);
    expect(natsPortOf(["--port=6222"])).toBe(6222);
    expect(natsPortOf(["-js"])).toBe(4222);
    // A store path that mentions a port is not the port.
    expect(natsPortOf(["-sd", "/var/lib/p/4300", "-m", "8222"])).toBe(4222);
  });
});
