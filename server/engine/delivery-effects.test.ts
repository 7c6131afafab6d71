import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { hops } from "../../lib/fixtures";
import { isMessageHop, type Hop, type MessageHop } from "../../lib/protocol";
import { defineScenario, type Fate, type FateSource } from "../scenarios/model";
import { orphanedBy, REQUEUE_SETTLE_MS, unsettledBy } from "./delivery-effects";
import { ALL_COMMANDS, fakeEngine, messageHop, must, program, UNREMARKABLE } from "./fakes";

const LOST_WITH_WORKER = "core NATS keeps no copy: lost with its worker (at-most-once)";

const workQueue = defineScenario({
  id: "work-queue",
  ...UNREMARKABLE,
  title: "Work queue",
  pattern: "work-queue",
  settings: {},
  roles: {
    producer: { description: "", program, transport: "rabbitmq", initial: 1, min: 1, max: 1, killable: false, publishes: true },
    worker: { description: "", program, transport: "rabbitmq", initial: 2, min: 0, max: 4, killable: true },
  },
  commands: ALL_COMMANDS,
  channels: [{ id: "jobs", label: "jobs", kind: "queue" }],
  delivery: { guarantee: "at-least-once", kills: { worker: { requeue: true } } },
});

const queueGroup = defineScenario({
  id: "queue-group",
  ...UNREMARKABLE,
  title: "Queue group",
  pattern: "work-queue",
  settings: {},
  roles: {
    publisher: { description: "", program, transport: "nats", initial: 1, min: 1, max: 1, killable: false, publishes: true },
    worker: { description: "", program, transport: "nats", initial: 2, min: 0, max: 4, killable: true },
  },
  commands: ALL_COMMANDS,
  channels: [{ id: "orders", label: "orders", kind: "subject" }],
  delivery: { guarantee: "at-most-once", kills: { worker: { drop: LOST_WITH_WORKER } } },
});

const broadcast = defineScenario({
  id: "broadcast",
  ...UNREMARKABLE,
  title: "Broadcast",
  pattern: "pubsub",
  settings: {},
  roles: {
    publisher: { description: "", program, transport: "redis", initial: 1, min: 1, max: 1, killable: false, publishes: true },
    subscriber: { description: "", program, transport: "redis", initial: 3, min: 0, max: 4, killable: true },
  },
  commands: ALL_COMMANDS,
  channels: [{ id: "events", label: "events", kind: "channel" }],
  delivery: { guarantee: "at-most-once", audience: "subscriber" },
});

function messageHops(stored: Hop[], kind: MessageHop["kind"]): MessageHop[] {
  return stored.filter(isMessageHop).filter((hop) => hop.kind === kind);
}

function killedAt(stored: Hop[], actorId: string): number {
  const hop = stored.find((h) => h.kind === "actor-killed" && h.from === actorId);
  if (!hop) throw new Error(`no actor-killed for ${actorId}`);
  return hop.at;
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("a killed consumer's messages", () => {
  test("what it was delivered and had not acked is requeued, and nothing else", async () => {
    const { engine, actors, stored } = fakeEngine([workQueue]);
    must(await engine.start("work-queue"));
    actors.get("worker-1").report("delivered jobs>worker-1 m1", "delivered jobs>worker-1 m2", "delivered jobs>worker-1 m3", "acked worker-1>jobs m2");
    actors.get("worker-2").report("delivered jobs>worker-2 m4");

    must(await engine.command("work-queue", { type: "kill-actor", actorId: "worker-1" }));
    await vi.advanceTimersByTimeAsync(REQUEUE_SETTLE_MS);

    const hops = stored("work-queue");
    const requeued = messageHops(hops, "requeued");
    expect(requeued.map((h) => h.message.id)).toEqual(["m1", "m3"]);
    for (const hop of requeued) {
      expect(hop).toMatchObject({ from: "worker-1", to: "jobs", broker: "rabbitmq", reason: "unacked when its consumer died" });
      expect(hop.at).toBeCloseTo(killedAt(hops, "worker-1") + 0.001, 6);
    }
  });

  test("the requeue waits for the actor to be gone, and for its last hops to arrive", async () => {
    const { engine, actors, stored } = fakeEngine([workQueue], () => ({ exitsAfterMs: 200 }));
    must(await engine.start("work-queue"));
    actors.get("worker-1").report("delivered jobs>worker-1 m1", "delivered jobs>worker-1 m2");

    must(await engine.command("work-queue", { type: "kill-actor", actorId: "worker-1" }));
    await vi.advanceTimersByTimeAsync(200);
    expect(actors.get("worker-1").alive).toBe(false);
    // An ack it sent just before dying reaches the server after its exit.
    actors.get("worker-1").report("acked worker-1>jobs m2");
    await vi.advanceTimersByTimeAsync(REQUEUE_SETTLE_MS - 1);
    expect(messageHops(stored("work-queue"), "requeued")).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);

    expect(messageHops(stored("work-queue"), "requeued").map((h) => h.message.id)).toEqual(["m1"]);
  });

  test("at-most-once: what it held unfinished is dropped with the scenario's reason", async () => {
    const { engine, actors, stored } = fakeEngine([queueGroup]);
    must(await engine.start("queue-group"));
    // Core NATS has no ack: the worker settles on its own lane.
    actors.get("worker-1").report("delivered orders>worker-1 m1", "delivered orders>worker-1 m2", "processed worker-1>worker-1 m2");

    must(await engine.command("queue-group", { type: "kill-actor", actorId: "worker-1" }));
    await vi.advanceTimersByTimeAsync(REQUEUE_SETTLE_MS);

    const hops = stored("queue-group");
    const dropped = messageHops(hops, "dropped");
    expect(dropped.map((h) => h.message.id)).toEqual(["m1"]);
    expect(dropped[0]).toMatchObject({ from: "worker-1", to: "worker-1", reason: LOST_WITH_WORKER });
    expect(dropped[0]?.at).toBeCloseTo(killedAt(hops, "worker-1") + 0.001, 6);
    expect(messageHops(hops, "requeued")).toEqual([]);
  });

  test("at-most-once: a worker that dies on its own drops what it held, too", async () => {
    const { engine, actors, stored } = fakeEngine([queueGroup]);
    must(await engine.start("queue-group"));
    actors.get("worker-2").report("delivered orders>worker-2 m7");

    actors.get("worker-2").crash();
    await vi.advanceTimersByTimeAsync(REQUEUE_SETTLE_MS);

    const hops = stored("queue-group");
    expect(messageHops(hops, "dropped")).toMatchObject([{ from: "worker-2", message: { id: "m7" }, reason: LOST_WITH_WORKER }]);
    expect(hops.find((h) => h.kind === "actor-exited")).toMatchObject({ from: "worker-2", actor: { exitCode: 1 } });
  });

  test("at-least-once: a worker that dies on its own reports no requeue (the broker's redelivery shows it)", async () => {
    const { engine, actors, stored } = fakeEngine([workQueue]);
    must(await engine.start("work-queue"));
    actors.get("worker-1").report("delivered jobs>worker-1 m1");

    actors.get("worker-1").crash();
    await vi.advanceTimersByTimeAsync(REQUEUE_SETTLE_MS);

    expect(messageHops(stored("work-queue"), "requeued")).toEqual([]);
  });
});

describe("broadcasts while audience members are down", () => {
  test("a confirmed publish says how many subscribers missed it", async () => {
    const { engine, actors, stored } = fakeEngine([broadcast]);
    must(await engine.start("broadcast"));
    must(await engine.command("broadcast", { type: "kill-actor", actorId: "subscriber-1" }));

    actors.get("publisher-1").report("published publisher-1>events m1", "confirmed events>publisher-1 m1");

    const hops = stored("broadcast");
    expect(messageHops(hops, "confirmed")[0]?.reason).toBe("missed by 1 subscriber that is down (at-most-once, expected)");
    expect(messageHops(hops, "published")[0]?.reason).toBeUndefined();
  });

  test("counts every member down, in the plural", async () => {
    const { engine, actors, stored } = fakeEngine([broadcast]);
    must(await engine.start("broadcast"));
    must(await engine.command("broadcast", { type: "kill-actor", actorId: "subscriber-1" }));
    must(await engine.command("broadcast", { type: "kill-actor", actorId: "subscriber-3" }));

    actors.get("publisher-1").report("confirmed events>publisher-1 m1");

    expect(messageHops(stored("broadcast"), "confirmed")[0]?.reason).toBe("missed by 2 subscribers that are down (at-most-once, expected)");
  });

  test("nobody down, nothing noted", async () => {
    const { engine, actors, stored } = fakeEngine([broadcast]);
    must(await engine.start("broadcast"));

    actors.get("publisher-1").report("confirmed events>publisher-1 m1");

    expect(messageHops(stored("broadcast"), "confirmed")[0]?.reason).toBeUndefined();
  });

  test("a member the supervisor replaced misses nothing any more", async () => {
    const { engine, actors, stored } = fakeEngine([broadcast]);
    must(await engine.start("broadcast"));
    must(await engine.command("broadcast", { type: "kill-actor", actorId: "subscriber-1" }));
    actors.get("subscriber-2").crash();
    actors.get("publisher-1").report("confirmed events>publisher-1 m1");
    expect(messageHops(stored("broadcast"), "confirmed")[0]?.reason).toMatch(/^missed by 2 subscribers/);

    await vi.advanceTimersByTimeAsync(500);
    expect(actors.get("subscriber-4").alive).toBe(true);
    actors.get("publisher-1").report("confirmed events>publisher-1 m2");

    expect(messageHops(stored("broadcast"), "confirmed")[1]?.reason).toBe("missed by 1 subscriber that is down (at-most-once, expected)");
  });
});

describe("a story across brokers", () => {
  const story = defineScenario({
    id: "story",
    ...UNREMARKABLE,
    title: "Story",
    pattern: "story",
    settings: {},
    roles: {
      checkout: { description: "", program, transport: "nats", alsoSpeaks: ["rabbitmq", "redis"], initial: 1, min: 1, max: 1, killable: false, publishes: true },
      worker: { description: "", program, transport: "rabbitmq", initial: 1, min: 0, max: 2, killable: true },
      subscriber: { description: "", program, transport: "redis", initial: 2, min: 0, max: 2, killable: true },
    },
    commands: ALL_COMMANDS,
    channels: [
      { id: "rabbitmq:jobs", label: "jobs", kind: "queue" },
      { id: "redis:events", label: "events", kind: "channel" },
    ],
    delivery: { guarantee: "at-least-once", kills: { worker: { requeue: true } }, audience: "subscriber" },
  });

  test("only a confirm on the audience's broker is a missed broadcast; a job's confirm is not", async () => {
    const { engine, actors, stored } = fakeEngine([story]);
    must(await engine.start("story"));
    must(await engine.command("story", { type: "kill-actor", actorId: "subscriber-1" }));
    const checkout = actors.get("checkout-1");
    checkout.emit("hops", [messageHop("story", "confirmed jobs>checkout-1 j1", "rabbitmq"), messageHop("story", "confirmed events>checkout-1 b1", "redis")]);

    const confirmed = messageHops(stored("story"), "confirmed");
    expect(confirmed.find((h) => h.message.id === "j1")?.reason).toBeUndefined();
    expect(confirmed.find((h) => h.message.id === "b1")?.reason).toBe("missed by 1 subscriber that is down (at-most-once, expected)");
  });

  test("engine-made hops carry the broker of the actor's role", async () => {
    const { engine, actors, stored } = fakeEngine([story]);
    must(await engine.start("story"));
    actors.get("worker-1").report("delivered jobs>worker-1 j1");
    must(await engine.command("story", { type: "kill-actor", actorId: "worker-1" }));
    await vi.advanceTimersByTimeAsync(REQUEUE_SETTLE_MS);

    const all = stored("story");
    expect(all.find((h) => h.kind === "actor-killed")?.broker).toBe("rabbitmq");
    expect(messageHops(all, "requeued").map((h) => h.broker)).toEqual(["rabbitmq"]);
    expect(all.find((h) => h.kind === "actor-started" && h.from === "subscriber-1")?.broker).toBe("redis");
  });
});

describe("unsettledBy", () => {
  test("keys a delivery by message and source, so one message from two queues is held twice", () => {
    const log = hops(`
      delivered jobs>w1 m1
      delivered retry>w1 m1
      acked w1>jobs m1
      delivered jobs>w2 m2
    `);
    expect(unsettledBy(log, "w1").map((h) => `${h.message.id}|${h.from}`)).toEqual(["m1|retry"]);
  });

  test("a nack or a dead-letter settles a delivery as much as an ack", () => {
    const log = hops(`
      delivered jobs>w1 m1
      delivered jobs>w1 m2
      delivered jobs>w1 m3
      nacked w1>jobs m1
      dead-lettered w1>jobs m2
    `);
    expect(unsettledBy(log, "w1").map((h) => h.message.id)).toEqual(["m3"]);
  });
});

/** A broker that answers from a table the test fills, and remembers what it was asked. */
function askableBroker(recheckMs = 1_000) {
  const answers = new Map<string, Fate>();
  const asked: string[][] = [];
  let gate: Promise<void> = Promise.resolve();
  const source: FateSource = {
    transport: "nats",
    open: () => ({
      async fates(deliveries) {
        asked.push(deliveries.map((d) => d.message.id));
        const answer = deliveries.map((d) => answers.get(d.message.id) ?? { status: "held" as const });
        await gate;
        return answer;
      },
      async close() {},
    }),
    recheckMs: () => recheckMs,
  };
  return { answers, asked, source, hold: (until: Promise<void>) => (gate = until) };
}

function jetstreamLike(source: FateSource) {
  return defineScenario({
    id: "stream",
    ...UNREMARKABLE,
    title: "Stream work queue",
    pattern: "work-queue",
    settings: {},
    roles: {
      publisher: { description: "", program, transport: "nats", initial: 1, min: 1, max: 1, killable: false, publishes: true },
      worker: { description: "", program, transport: "nats", initial: 2, min: 0, max: 4, killable: true },
    },
    commands: ALL_COMMANDS,
    channels: [{ id: "stream", label: "stream", kind: "durable consumer" }],
    delivery: { guarantee: "at-least-once", fates: source },
  });
}

/** The kill, the settle before asking, and the settle after the answer. */
const AUDITED_MS = 2 * REQUEUE_SETTLE_MS;

describe("what a dead consumer held, asked of the broker", () => {
  test("an ack the broker recorded but the worker never reported settles the message as acked, by the dead worker", async () => {
    const broker = askableBroker();
    broker.answers.set("m1", { status: "acked", reason: "the broker has its ack" });
    broker.answers.set("m3", { status: "gone", reason: "trimmed away" });
    const { engine, actors, stored } = fakeEngine([jetstreamLike(broker.source)], () => ({ transport: "nats" }));
    must(await engine.start("stream"));
    actors.get("worker-1").report("delivered stream>worker-1 m1", "delivered stream>worker-1 m2", "delivered stream>worker-1 m3", "delivered stream>worker-1 m4", "acked worker-1>stream m4");

    must(await engine.command("stream", { type: "kill-actor", actorId: "worker-1" }));
    await vi.advanceTimersByTimeAsync(AUDITED_MS);

    const hops = stored("stream");
    expect(broker.asked).toEqual([["m1", "m2", "m3"]]);
    expect(messageHops(hops, "acked").map((h) => [h.message.id, h.from, h.to, h.reason])).toEqual([
      ["m4", "worker-1", "stream", undefined],
      ["m1", "worker-1", "stream", "the broker has its ack"],
    ]);
    // It acked before it died: the hop goes just before the kill on the timeline.
    expect(messageHops(hops, "acked")[1]?.at).toBeCloseTo(killedAt(hops, "worker-1") - 0.001, 6);
    expect(messageHops(hops, "dropped")).toMatchObject([{ from: "stream", to: "worker-1", message: { id: "m3" }, reason: "trimmed away" }]);
    expect(engine.state("stream")).toMatchObject({ ok: true, result: { ledger: { lost: 0 } } });
  });

  test("what the broker still holds is asked about again after the redelivery bound, until it is settled", async () => {
    const broker = askableBroker(3_000);
    const { engine, actors, stored } = fakeEngine([jetstreamLike(broker.source)], () => ({ transport: "nats" }));
    must(await engine.start("stream"));
    actors.get("worker-1").report("delivered stream>worker-1 m1");
    must(await engine.command("stream", { type: "kill-actor", actorId: "worker-1" }));
    await vi.advanceTimersByTimeAsync(AUDITED_MS);
    expect(broker.asked).toEqual([["m1"]]);
    expect(messageHops(stored("stream"), "acked")).toEqual([]);

    // Its ack reached the broker late: the next question finds it recorded.
    broker.answers.set("m1", { status: "acked", reason: "late ack" });
    await vi.advanceTimersByTimeAsync(3_000 + REQUEUE_SETTLE_MS);
    expect(broker.asked).toEqual([["m1"], ["m1"]]);
    expect(messageHops(stored("stream"), "acked").map((h) => h.reason)).toEqual(["late ack"]);

    await vi.advanceTimersByTimeAsync(10_000);
    expect(broker.asked).toHaveLength(2);
  });

  test("a message redelivered to another worker is the broker's to tell again: no more questions", async () => {
    const broker = askableBroker(3_000);
    const { engine, actors } = fakeEngine([jetstreamLike(broker.source)], () => ({ transport: "nats" }));
    must(await engine.start("stream"));
    actors.get("worker-1").report("delivered stream>worker-1 m1");
    must(await engine.command("stream", { type: "kill-actor", actorId: "worker-1" }));
    await vi.advanceTimersByTimeAsync(AUDITED_MS);

    actors.get("worker-2").report("redelivered stream>worker-2 m1");
    await vi.advanceTimersByTimeAsync(10_000);
    expect(broker.asked).toEqual([["m1"]]);
  });

  test("a hop that arrives while the broker answers wins: the worker's own late ack is not counted twice", async () => {
    const broker = askableBroker();
    broker.answers.set("m1", { status: "acked", reason: "the broker has its ack" });
    let answer = () => {};
    broker.hold(new Promise((resolve) => (answer = resolve)));
    const { engine, actors, stored } = fakeEngine([jetstreamLike(broker.source)], () => ({ transport: "nats" }));
    must(await engine.start("stream"));
    actors.get("worker-1").report("published publisher-1>stream m1", "delivered stream>worker-1 m1");
    must(await engine.command("stream", { type: "kill-actor", actorId: "worker-1" }));
    await vi.advanceTimersByTimeAsync(REQUEUE_SETTLE_MS);
    expect(broker.asked).toEqual([["m1"]]);

    actors.get("worker-1").report("acked worker-1>stream m1");
    answer();
    await vi.advanceTimersByTimeAsync(AUDITED_MS);

    expect(messageHops(stored("stream"), "acked")).toHaveLength(1);
    expect(engine.state("stream")).toMatchObject({ ok: true, result: { ledger: { completed: 1, duplicates: 0, inFlight: 0 } } });
  });

  test("a worker that dies on its own is audited as a killed one is", async () => {
    const broker = askableBroker();
    broker.answers.set("m1", { status: "dead-lettered", reason: "max deliveries", to: "terminated" });
    const { engine, actors, stored } = fakeEngine([jetstreamLike(broker.source)], () => ({ transport: "nats" }));
    must(await engine.start("stream"));
    actors.get("worker-2").report("redelivered stream>worker-2 m1");
    actors.get("worker-2").crash();
    await vi.advanceTimersByTimeAsync(AUDITED_MS);

    expect(messageHops(stored("stream"), "dead-lettered")).toMatchObject([{ from: "stream", to: "terminated", message: { id: "m1" }, reason: "max deliveries" }]);
  });

  test("a stopped scenario asks its broker nothing", async () => {
    const broker = askableBroker();
    const { engine, actors } = fakeEngine([jetstreamLike(broker.source)], () => ({ transport: "nats" }));
    must(await engine.start("stream"));
    actors.get("worker-1").report("delivered stream>worker-1 m1");
    must(await engine.stop("stream"));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(broker.asked).toEqual([]);
  });
});

describe("orphanedBy", () => {
  test("what a dead consumer held and nobody touched since; a nak is not a settlement", () => {
    const log = hops(`
      delivered q>w1 m1
      delivered q>w1 m2
      redelivered q>w2 m2@2
      delivered q>w1 m3
      acked w1>q m3
      delivered q>w1 m4
      nacked w1>q m4
      delivered q>w1 m5
      dead-lettered q>sink m5
    `);
    expect(orphanedBy(log, "w1").map((h) => h.message.id)).toEqual(["m1", "m4"]);
  });

  test("per destination: another group's copy moving on says nothing about this one", () => {
    const log = hops(`
      delivered s>w1 m1 dest=email
      delivered s>a1 m1 dest=analytics
      acked a1>s m1 dest=analytics
    `);
    expect(orphanedBy(log, "w1").map((h) => `${h.message.id}|${h.message.destination}`)).toEqual(["m1|email"]);
  });
});
