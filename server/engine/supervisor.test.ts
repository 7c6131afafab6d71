import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { defineScenario } from "../scenarios/model";
import { ALL_COMMANDS, fakeEngine, must, program, type FakeActor, type FakeActors, UNREMARKABLE } from "./fakes";
import { RESPAWN_STABLE_MS } from "./supervisor";

const workQueue = defineScenario({
  id: "work-queue",
  ...UNREMARKABLE,
  title: "Work queue",
  pattern: "work-queue",
  settings: {},
  roles: {
    producer: { description: "", program, transport: "rabbitmq", initial: 1, min: 1, max: 1, killable: false, publishes: true },
    worker: { description: "", program, transport: "rabbitmq", initial: 2, min: 0, max: 3, killable: true },
  },
  commands: ALL_COMMANDS,
  channels: [{ id: "jobs", label: "jobs", kind: "queue" }],
  delivery: { guarantee: "at-least-once", kills: { worker: { requeue: true } } },
});

async function started() {
  const fake = fakeEngine([workQueue]);
  must(await fake.engine.start("work-queue"));
  return fake;
}

/** Asserts that the next worker appears exactly `ms` from now, and returns it. */
async function replacementAfter(actors: FakeActors, ms: number): Promise<FakeActor> {
  const before = actors.ofRole("worker").length;
  await vi.advanceTimersByTimeAsync(ms - 1);
  expect(actors.ofRole("worker").length, `no replacement before ${ms} ms`).toBe(before);
  await vi.advanceTimersByTimeAsync(1);
  const workers = actors.ofRole("worker");
  expect(workers.length, `a replacement at ${ms} ms`).toBe(before + 1);
  return workers[workers.length - 1] as FakeActor;
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("the supervisor", () => {
  test("replaces a worker that died on its own after a backoff that grows 500, 1000, 2000, 5000 ms", async () => {
    const { actors } = await started();
    actors.get("worker-1").crash();

    let replacement = await replacementAfter(actors, 500);
    for (const delay of [1_000, 2_000, 5_000, 5_000]) {
      replacement.crash();
      replacement = await replacementAfter(actors, delay);
    }
    expect(replacement.spec.id).toBe("worker-7");
    expect(replacement.spec).toMatchObject({ role: "worker", scenarioId: "work-queue", brokerUrl: "amqp://test:5672" });
  });

  test("a replacement alive for 10 s ends the backoff", async () => {
    const { actors } = await started();
    actors.get("worker-1").crash();
    let replacement = await replacementAfter(actors, 500);
    replacement.crash();
    replacement = await replacementAfter(actors, 1_000);
    replacement.crash();
    replacement = await replacementAfter(actors, 2_000);

    await vi.advanceTimersByTimeAsync(RESPAWN_STABLE_MS);
    replacement.crash();

    await replacementAfter(actors, 500);
  });

  test("one that dies before 10 s keeps the backoff growing", async () => {
    const { actors } = await started();
    actors.get("worker-1").crash();
    const replacement = await replacementAfter(actors, 500);

    await vi.advanceTimersByTimeAsync(RESPAWN_STABLE_MS - 1);
    replacement.crash();

    await replacementAfter(actors, 1_000);
  });

  test("waits while the role's transport is down, and replaces once it answers", async () => {
    const { actors, health } = await started();
    health.set("rabbitmq", false);
    actors.get("worker-1").crash();

    await vi.advanceTimersByTimeAsync(500 + 1_000 + 2_000);
    expect(actors.ofRole("worker")).toHaveLength(2);
    health.set("rabbitmq", true);

    const replacement = await replacementAfter(actors, 5_000);
    expect(replacement.alive).toBe(true);
  });

  test("a role that speaks several brokers waits for all of them", async () => {
    const story = defineScenario({
      id: "story",
      ...UNREMARKABLE,
      title: "Story",
      pattern: "story",
      settings: {},
      roles: { checkout: { description: "", program, transport: "nats", alsoSpeaks: ["rabbitmq"], initial: 1, min: 1, max: 1, killable: false, publishes: true } },
      commands: ALL_COMMANDS,
      channels: [],
      delivery: { guarantee: "at-least-once" },
    });
    const { engine, actors, health } = fakeEngine([story]);
    must(await engine.start("story"));
    health.set("rabbitmq", false);
    actors.get("checkout-1").crash();

    await vi.advanceTimersByTimeAsync(500 + 1_000 + 2_000);
    expect(actors.ofRole("checkout")).toHaveLength(1);
    health.set("rabbitmq", true);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(actors.get("checkout-2").alive).toBe(true);
  });

  test("respects the role's maximum", async () => {
    const { engine, actors } = await started();
    actors.get("worker-1").crash();
    must(await engine.command("work-queue", { type: "add-actor", role: "worker" }));
    must(await engine.command("work-queue", { type: "add-actor", role: "worker" }));

    await vi.advanceTimersByTimeAsync(60_000);

    expect(actors.ofRole("worker").map((a) => a.spec.id)).toEqual(["worker-1", "worker-2", "worker-3", "worker-4"]);
  });

  test("does not replace a worker the presenter killed", async () => {
    const { engine, actors } = await started();
    must(await engine.command("work-queue", { type: "kill-actor", actorId: "worker-1" }));

    await vi.advanceTimersByTimeAsync(60_000);

    expect(actors.ofRole("worker")).toHaveLength(2);
  });

  test("a stop cancels a pending replacement", async () => {
    const { engine, actors } = await started();
    actors.get("worker-1").crash();
    must(await engine.stop("work-queue"));

    await vi.advanceTimersByTimeAsync(60_000);

    expect(actors.ofRole("worker")).toHaveLength(2);
    expect(must(engine.state("work-queue")).running).toBe(false);
  });
});
