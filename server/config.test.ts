import { describe, expect, test } from "vitest";
import { endpointOf } from "./brokers/probe";
import { ConfigError, disableNextTelemetry, loadConfig, redactUrl } from "./config";

describe("config", () => {
  test("local defaults, and loopback needs no token", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, host: "127.0.0.1", requireToken: false });
    expect(config.urls.nats).toBe("nats://127.0.0.1:4222");
    expect(config.token.length).toBeGreaterThanOrEqual(16);
  });

  test("without NODE_ENV it is a developer's run: Next.js in development mode, with the dashboard", () => {
    expect(loadConfig({})).toMatchObject({ dev: true, dashboard: true });
    expect(loadConfig({ NODE_ENV: "development" }).dev).toBe(true);
  });

  test.each(["production", "test"])("NODE_ENV=%s serves the production build", (NODE_ENV) => {
    expect(loadConfig({ NODE_ENV }).dev).toBe(false);
  });

  test("HOPSCOPE_DASHBOARD=off runs the API and Socket.IO without Next.js", () => {
    expect(loadConfig({ HOPSCOPE_DASHBOARD: "off" }).dashboard).toBe(false);
  });

  test("Next.js telemetry is switched off in the environment Next reads", () => {
    const env: Record<string, string | undefined> = {};
    disableNextTelemetry(env);
    expect(env.NEXT_TELEMETRY_DISABLED).toBe("1");
  });

  test("the RabbitMQ management API follows the AMQP URL's host and credentials, unless set on its own", () => {
    expect(loadConfig({}).rabbitmqManagement).toBe("http://guest:guest@127.0.0.1:15672");
    expect(loadConfig({ AMQP_URL: "amqp://shop:s%40cret@rabbit.local:5673/shop" }).rabbitmqManagement).toBe("http://shop:s%40cret@rabbit.local:15672");
    expect(loadConfig({ RABBITMQ_MANAGEMENT_URL: "https://ops:pw@mgmt.example:443/" }).rabbitmqManagement).toBe("https://ops:pw@mgmt.example:443");
  });

  test("listening beyond loopback requires the presenter token", () => {
    expect(loadConfig({ HOST: "0.0.0.0", HOPSCOPE_TOKEN: "0123456789abcdef" })).toMatchObject({ requireToken: true, token: "0123456789abcdef" });
  });

  test.each([
    [{ PORT: "seventy" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ NATS_URL: "http://x" }, "NATS_URL"],
    [{ KAFKA_BROKERS: "a:1,b" }, "KAFKA_BROKERS"],
    [{ HOPSCOPE_TOKEN: "short" }, "HOPSCOPE_TOKEN"],
    [{ NODE_ENV: "staging" }, "NODE_ENV"],
    [{ HOPSCOPE_DASHBOARD: "no" }, "HOPSCOPE_DASHBOARD"],
    [{ RABBITMQ_MANAGEMENT_URL: "amqp://guest:guest@host:15672" }, "RABBITMQ_MANAGEMENT_URL"],
  ])("a bad environment %j names %s", (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });

  test("passwords never reach the screen", () => {
    expect(redactUrl("amqp://guest:secret@host:5672")).toBe("amqp://guest:***@host:5672");
  });

  test("endpoints from URLs and host lists", () => {
    expect(endpointOf("amqp://u:p@rabbit:5673/vh", 5672)).toEqual({ host: "rabbit", port: 5673 });
    expect(endpointOf("a:9093,b:9094", 9092)).toEqual({ host: "a", port: 9093 });
    expect(endpointOf("redis://cache", 6379)).toEqual({ host: "cache", port: 6379 });
  });
});
