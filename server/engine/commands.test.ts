import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { defineScenario } from "../scenarios/model";
import { ALL_COMMANDS, fakeEngine, must, program, UNREMARKABLE } from "./fakes";

const workQueue = defineScenario({
  id: "work-queue",
  ...UNREMARKABLE,
  title: "Work queue",
  pattern: "work-queue",
  settings: {
    delayMs: { label: "Job duration", unit: "ms", min: 0, max: 1_000, step: 10, default: 100 },
    prefetch: { label: "Prefetch", unit: "jobs", min: 1, max: 50, step: 1, default: 10 },
  },
  roles: {
    producer: { description: "", program, transport: "rabbitmq", initial: 1, min: 1, max: 1, killable: false, publishes: true },
    worker: { description: "", program, transport: "rabbitmq", initial: 1, min: 0, max: 2, killable: true },
  },
  commands: ALL_COMMANDS,
  channels: [{ id: "jobs", label: "jobs", kind: "queue" }],
  delivery: { guarantee: "at-least-once", kills: { worker: { requeue: true } } },
});

const noReset = defineScenario({
  id: "no-reset",
  ...UNREMARKABLE,
  title: "No reset",
  pattern: "request-reply",
  settings: {},
  roles: { requester: { description: "", program, transport: "nats", initial: 1, min: 1, max: 1, killable: false, publishes: true } },
  commands: ALL_COMMANDS.filter((c) => c.type !== "reset"),
  channels: [],
  delivery: { guarantee: "at-most-once" },
});

function setup() {
  return fakeEngine([workQueue, noReset], (spec) => ({
    reply: (command) => {
      if (command.type === "settings" && spec.role === "producer" && (command.settings.prefetch ?? 0) > 40) throw new Error("prefetch: the broker refuses more than 40");
      return command.type === "publish" ? { published: command.count } : null;
    },
  }));
}

async function running() {
  const fake = setup();
  must(await fake.engine.start("work-queue"));
  return fake;
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("command validation", () => {
  test("an unknown scenario is not found, and the known ones are named", async () => {
    const { engine } = setup();
    expect(await engine.command("nope", { type: "reset" })).toEqual({ ok: false, error: { code: "not-found", message: 'No scenario "nope". Known: work-queue, no-reset' } });
  });

  test("a body that is no command is a bad request", async () => {
    const { engine } = await running();
    expect(await engine.command("work-queue", { type: "explode" })).toMatchObject({ ok: false, error: { code: "bad-request" } });
    expect(await engine.command("work-queue", { type: "publish", count: 0 })).toMatchObject({ ok: false, error: { code: "bad-request", message: expect.stringContaining("count") } });
  });

  test("a command the scenario does not list is a bad request", async () => {
    const { engine } = setup();
    expect(await engine.command("no-reset", { type: "reset" })).toEqual({ ok: false, error: { code: "bad-request", message: 'type: no-reset does not support "reset"' } });
  });

  test("an unknown role is a bad request that lists the roles", async () => {
    const { engine } = await running();
    expect(await engine.command("work-queue", { type: "add-actor", role: "janitor" })).toEqual({
      ok: false,
      error: { code: "bad-request", message: 'role: work-queue has no role "janitor"; roles are producer, worker' },
    });
  });

  test("a role at its maximum takes no more actors", async () => {
    const { engine } = await running();
    expect(must(await engine.command("work-queue", { type: "add-actor", role: "worker" }))).toMatchObject({ actorId: "worker-2" });
    expect(await engine.command("work-queue", { type: "add-actor", role: "worker" })).toEqual({ ok: false, error: { code: "conflict", message: "role: at most 2 workers" } });
  });

  test("the role that drives the scenario cannot be killed", async () => {
    const { engine, actors } = await running();
    expect(await engine.command("work-queue", { type: "kill-actor", actorId: "producer-1" })).toEqual({
      ok: false,
      error: { code: "bad-request", message: "actorId: the producer drives the scenario and cannot be killed" },
    });
    expect(actors.get("producer-1").alive).toBe(true);
  });

  test("killing an unknown actor is not found, a dead one a conflict", async () => {
    const { engine } = await running();
    expect(await engine.command("work-queue", { type: "kill-actor", actorId: "worker-9" })).toEqual({ ok: false, error: { code: "not-found", message: 'actorId: no actor "worker-9" in work-queue' } });
    const killed = must(await engine.command("work-queue", { type: "kill-actor", actorId: "worker-1" }));
    expect(killed).toMatchObject({ actorId: "worker-1", signal: "SIGKILL" });
    expect(await engine.command("work-queue", { type: "kill-actor", actorId: "worker-1" })).toEqual({ ok: false, error: { code: "conflict", message: "actorId: worker-1 is already dead" } });
  });

  test("actor commands need a running scenario", async () => {
    const { engine } = setup();
    expect(await engine.command("work-queue", { type: "publish", count: 1 })).toEqual({
      ok: false,
      error: { code: "not-running", message: "work-queue is not running; start it first (POST /api/scenarios/work-queue/start)" },
    });
  });

  test("a broker that is down refuses everything but reset, and says how to start it", async () => {
    const { engine, health } = await running();
    health.set("rabbitmq", false);
    expect(await engine.command("work-queue", { type: "publish", count: 1 })).toEqual({
      ok: false,
      error: { code: "broker-down", message: "RabbitMQ is down at amqp://test:5672 (connection refused). Start it with: start rabbitmq" },
    });
    expect(must(await engine.command("work-queue", { type: "reset" }))).toEqual({ reset: true });
  });
});

describe("set", () => {
  test("a value out of bounds is a bad request and changes nothing", async () => {
    const { engine } = await running();
    const result = await engine.command("work-queue", { type: "set", delayMs: 5_000 });
    expect(result).toMatchObject({ ok: false, error: { code: "bad-request", message: expect.stringMatching(/^delayMs: /) } });
    expect(must(engine.state("work-queue")).settings).toEqual({ delayMs: 100, prefetch: 10 });
  });

  test("an unknown parameter is a bad request", async () => {
    const { engine } = await running();
    expect(await engine.command("work-queue", { type: "set", speed: 3 })).toMatchObject({ ok: false, error: { code: "bad-request", message: expect.stringContaining("speed") } });
  });

  test("a value in bounds reaches every live actor and the state", async () => {
    const { engine, actors } = await running();
    expect(must(await engine.command("work-queue", { type: "set", delayMs: 30 }))).toEqual({ settings: { delayMs: 30, prefetch: 10 } });
    for (const actor of actors.all) expect(actor.sent).toContainEqual({ type: "settings", settings: { delayMs: 30 } });
    expect(must(engine.state("work-queue")).settings.delayMs).toBe(30);
  });

  test("a value the publisher refuses is a conflict and reaches nobody", async () => {
    const { engine, actors } = await running();
    expect(await engine.command("work-queue", { type: "set", prefetch: 45 })).toEqual({ ok: false, error: { code: "conflict", message: "prefetch: the broker refuses more than 40" } });
    expect(actors.get("worker-1").sent).not.toContainEqual({ type: "settings", settings: { prefetch: 45 } });
    expect(must(engine.state("work-queue")).settings.prefetch).toBe(10);
  });

  test("is kept while stopped and given to the actors that start", async () => {
    const { engine, actors } = setup();
    must(await engine.command("work-queue", { type: "set", delayMs: 200 }));
    must(await engine.start("work-queue"));
    expect(actors.get("worker-1").spec.settings).toEqual({ delayMs: 200, prefetch: 10 });
  });
});

describe("publish", () => {
  test("goes to the publishing role and answers with its result", async () => {
    const { engine, actors } = await running();
    expect(must(await engine.command("work-queue", { type: "publish", count: 3, priority: 5 }))).toEqual({ published: 3 });
    expect(actors.get("producer-1").sent).toContainEqual({ type: "publish", count: 3, priority: 5 });
    expect(actors.get("worker-1").sent.filter((c) => c.type === "publish")).toEqual([]);
  });
});

describe("reset", () => {
  test("clears the hops and the dead actors, keeping the live ones", async () => {
    const { engine, stored } = await running();
    must(await engine.command("work-queue", { type: "kill-actor", actorId: "worker-1" }));
    await vi.advanceTimersByTimeAsync(100);
    expect(stored("work-queue").length).toBeGreaterThan(0);
    const resets: string[] = [];
    engine.on("reset", (id) => resets.push(id));

    must(await engine.command("work-queue", { type: "reset" }));

    expect(resets).toEqual(["work-queue"]);
    expect(stored("work-queue")).toEqual([]);
    expect(must(engine.state("work-queue")).actors.map((a) => a.id)).toEqual(["producer-1"]);
  });
});
