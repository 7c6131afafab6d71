import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import type { ScenarioState } from "../../lib/protocol";
import { ACTOR_STOP_GRACE_MS } from "../options";
import { defineScenario } from "../scenarios/model";
import { ALL_COMMANDS, fakeEngine, must, program, UNREMARKABLE } from "./fakes";

const orders = defineScenario({
  id: "orders",
  ...UNREMARKABLE,
  title: "Orders",
  pattern: "work-queue",
  settings: { delayMs: { label: "Delay", unit: "ms", min: 0, max: 1_000, step: 10, default: 100 } },
  roles: {
    shop: { description: "", program, transport: "nats", alsoSpeaks: ["redis"], initial: 1, min: 1, max: 1, killable: false, publishes: true },
    worker: { description: "", program, transport: "rabbitmq", initial: 2, min: 0, max: 3, killable: true },
  },
  commands: ALL_COMMANDS,
  channels: [],
  delivery: { guarantee: "at-least-once" },
});

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("starting a scenario", () => {
  test("spawns the initial actors with their transports' URLs and reports them started", async () => {
    const { engine, actors, stored } = fakeEngine([orders]);

    const state = must(await engine.start("orders"));

    expect(state).toMatchObject({ id: "orders", running: true, unavailable: null });
    expect(state.actors.map((a) => [a.id, a.alive, a.connected])).toEqual([
      ["shop-1", true, true],
      ["worker-1", true, true],
      ["worker-2", true, true],
    ]);
    expect(actors.get("shop-1").spec).toMatchObject({ brokerUrl: "nats://test:4222", otherUrls: { redis: "redis://test:6379" } });
    expect(actors.get("worker-1").spec).toMatchObject({ brokerUrl: "amqp://test:5672", otherUrls: {} });
    // A `set` sent while an actor was connecting did not reach it: it hears the settings on ready.
    expect(actors.get("worker-1").sent).toEqual([{ type: "settings", settings: { delayMs: 100 } }]);
    const started = stored("orders").filter((h) => h.kind === "actor-started");
    expect(started.map((h) => [h.from, h.broker])).toEqual([
      ["shop-1", "nats"],
      ["worker-1", "rabbitmq"],
      ["worker-2", "rabbitmq"],
    ]);
  });

  test("is idempotent: a second start, even a concurrent one, spawns nothing", async () => {
    const { engine, actors } = fakeEngine([orders]);
    await Promise.all([engine.start("orders"), engine.start("orders")]);
    must(await engine.start("orders"));
    expect(actors.all).toHaveLength(3);
  });

  test("an actor that never gets ready fails the start, and the others are killed", async () => {
    const { engine, actors } = fakeEngine([orders], (spec) => (spec.id === "worker-2" ? { ready: Promise.reject(new Error("worker-2 failed to start: connection refused")) } : {}));

    const result = await engine.start("orders");

    expect(result).toEqual({ ok: false, error: { code: "internal", message: "Could not start orders: worker-2 failed to start: connection refused" } });
    for (const actor of actors.all) {
      expect(actor.signals, actor.spec.id).toEqual(["SIGKILL"]);
      expect(actor.alive, actor.spec.id).toBe(false);
    }
    expect(must(engine.state("orders")).running).toBe(false);
    // Killed while starting is not a crash: nothing is replaced.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(actors.all).toHaveLength(3);
  });

  test("a broker that is down refuses the start", async () => {
    const { engine, health, actors } = fakeEngine([orders]);
    health.set("redis", false);
    expect(await engine.start("orders")).toMatchObject({ ok: false, error: { code: "broker-down", message: expect.stringMatching(/^Redis is down/) } });
    expect(actors.all).toEqual([]);
  });
});

describe("stopping a scenario", () => {
  test("asks with SIGTERM, and SIGKILLs what still runs after the grace period", async () => {
    const { engine, actors } = fakeEngine([orders], (spec) => ({ ignoresSigterm: spec.id === "worker-2" }));
    must(await engine.start("orders"));

    let stopped: ScenarioState | null = null;
    void engine.stop("orders").then((r) => (stopped = must(r)));
    await vi.advanceTimersByTimeAsync(ACTOR_STOP_GRACE_MS - 1);
    expect(stopped).toBeNull();
    expect(actors.get("worker-2").alive).toBe(true);
    await vi.advanceTimersByTimeAsync(1);

    expect(actors.get("shop-1").signals).toEqual(["SIGTERM"]);
    expect(actors.get("worker-2").signals).toEqual(["SIGTERM", "SIGKILL"]);
    expect(stopped).toMatchObject({ running: false });
    expect(actors.all.every((a) => !a.alive)).toBe(true);
  });
});

describe("state", () => {
  test("is emitted when an actor's connection status changes", async () => {
    const { engine, actors } = fakeEngine([orders]);
    must(await engine.start("orders"));
    const states: ScenarioState[] = [];
    engine.on("state", (s) => states.push(s));

    const worker = actors.get("worker-1");
    worker.connected = false;
    worker.connections = ["rabbitmq"];
    worker.emit("status");

    expect(states.at(-1)?.actors.find((a) => a.id === "worker-1")).toMatchObject({ alive: true, connected: false, connections: ["rabbitmq"] });
  });

  test("is emitted for every scenario when broker health changes, naming what is down", async () => {
    const { engine, health } = fakeEngine([orders]);
    const states: ScenarioState[] = [];
    engine.on("state", (s) => states.push(s));

    health.set("rabbitmq", false);

    expect(states).toHaveLength(1);
    expect(states[0]?.unavailable).toBe("RabbitMQ is down at amqp://test:5672 (connection refused). Start it with: start rabbitmq");
  });
});

describe("a scenario on gRPC, which has no broker", () => {
  const calls = defineScenario({
    id: "calls",
    ...UNREMARKABLE,
    title: "Calls",
    pattern: "request-reply",
    settings: {},
    roles: {
      client: { description: "", program, transport: "grpc", initial: 1, min: 1, max: 1, killable: false, publishes: true },
      server: { description: "", program, transport: "grpc", initial: 2, min: 0, max: 3, killable: true },
    },
    commands: ALL_COMMANDS,
    channels: [],
    delivery: { guarantee: "at-most-once" },
  });

  test("runs, and replaces a server that died, while every broker is down", async () => {
    const { engine, health, actors, stored } = fakeEngine([calls]);
    for (const broker of ["nats", "rabbitmq", "redis", "kafka"] as const) health.set(broker, false);

    const state = must(await engine.start("calls"));

    expect(state).toMatchObject({ running: true, unavailable: null });
    expect(actors.get("server-1").spec).toMatchObject({ brokerUrl: "", otherUrls: {} });
    expect(stored("calls").filter((h) => h.kind === "actor-started").map((h) => h.broker)).toEqual(["grpc", "grpc", "grpc"]);
    actors.get("server-1").crash();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(actors.all.map((a) => a.spec.id)).toContain("server-3");
  });
});
