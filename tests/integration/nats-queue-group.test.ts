import { connect, type NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isMessageHop, type MessageHop } from "../../lib/protocol";
import type { Hopscope } from "../../server/app";
import { loadConfig } from "../../server/config";
import { DROP_KILLED_IN_FLIGHT, DROP_NO_WORKERS, RESERVE_SUBJECT } from "../../server/scenarios/nats-queue-group/names";
import { api, everyHop, liveActors, noInterestIn, startHopscope, state, testNames, waitFor } from "./harness";

const ID = "nats-queue-group";
let hopscope: Hopscope;
let base: string;
let nc: NatsConnection;

const command = (body: unknown) => api<{ ok: boolean; result: Record<string, unknown> }>(base, "POST", `/api/scenarios/${ID}/commands`, body);

const messageHops = async (): Promise<MessageHop[]> => (await everyHop(base, ID)).filter(isMessageHop);

const idsOf = (hops: MessageHop[], kind: string, actor: string, side: "from" | "to") => new Set(hops.filter((h) => h.kind === kind && h[side] === actor).map((h) => h.message.id));

async function publish(count: number): Promise<string[]> {
  const res = await command({ type: "publish", count });
  expect(res.status).toBe(200);
  return res.body.result.messageIds as string[];
}

const liveWorkers = () => liveActors(base, ID, "worker");

beforeAll(async () => {
  nc = await connect({ servers: loadConfig(process.env).urls.nats });
  ({ hopscope, base } = await startHopscope());
  expect((await api(base, "POST", `/api/scenarios/${ID}/start`)).status).toBe(200);
});
afterAll(async () => {
  await hopscope.close();
  await nc.close();
});

describe("nats-queue-group against the real NATS", () => {
  test("300 messages spread over 3 workers, each message handled by exactly one", async () => {
    expect((await command({ type: "set", delayMs: 2 })).status).toBe(200);
    await command({ type: "reset" });
    const workers = await liveWorkers();
    expect(workers).toHaveLength(3);
    const ids = await publish(300);
    await waitFor("every message done", async () => ((await state(base, ID)).ledger.completed === 300 ? true : undefined), 30_000, 100);

    const hops = await messageHops();
    const shares = workers.map((w) => idsOf(hops, "processed", w, "from").size);
    console.info(`queue group split of 300: ${workers.map((w, i) => `${w}=${shares[i]}`).join(", ")}`);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(300);
    // NATS picks a member at random per message: a third each, give or take; never all on one.
    for (const share of shares) expect(share).toBeGreaterThan(60);
    for (const id of ids) expect(hops.filter((h) => h.kind === "delivered" && h.message.id === id), `message ${id} delivered once`).toHaveLength(1);
    const flushed = hops.filter((h) => h.kind === "confirmed");
    expect(flushed).toHaveLength(300);
    for (const hop of flushed) expect(hop.rttMs).toBeGreaterThan(0);
    expect((await state(base, ID)).ledger).toMatchObject({ published: 300, delivered: 300, completed: 300, redelivered: 0, duplicates: 0, dropped: 0, lost: 0, inFlight: 0 });
  });

  test("a SIGKILLed worker's unfinished messages are dropped, and later messages all go to the survivors", async () => {
    expect((await command({ type: "set", delayMs: 20 })).status).toBe(200);
    await command({ type: "reset" });
    const [victim, ...survivors] = await liveWorkers();
    expect(survivors).toHaveLength(2);
    const first = await publish(150);

    // Kill it mid-backlog: it has finished a few and holds more it was handed.
    await waitFor("the victim to be part-way through its share", async () => {
      const hops = await messageHops();
      const done = idsOf(hops, "processed", victim!, "from").size;
      const held = idsOf(hops, "delivered", victim!, "to").size - done;
      return done >= 5 && held >= 10 ? true : undefined;
    }, 10_000, 5);
    expect((await command({ type: "kill-actor", actorId: victim! })).status).toBe(200);
    await waitFor("the drops to be reported", async () => ((await messageHops()).some((h) => h.kind === "dropped" && h.from === victim) ? true : undefined));

    const second = await publish(150);
    await waitFor("every message settled", async () => {
      const { ledger } = await state(base, ID);
      return ledger.published === 300 && ledger.inFlight === 0 ? ledger : undefined;
    }, 30_000, 100);

    const hops = await messageHops();
    const handed = idsOf(hops, "delivered", victim!, "to");
    const finished = idsOf(hops, "processed", victim!, "from");
    const unfinished = [...handed].filter((id) => !finished.has(id));
    const dropped = hops.filter((h) => h.kind === "dropped");
    console.info(`victim ${victim} got ${handed.size}, finished ${finished.size}, dropped ${dropped.length}`);
    expect(unfinished.length).toBeGreaterThan(0);
    expect(new Set(dropped.map((h) => h.message.id))).toEqual(new Set(unfinished));
    for (const hop of dropped) {
      expect(hop.reason).toBe(DROP_KILLED_IN_FLIGHT);
      expect(hop.from).toBe(victim);
    }
    // Nothing was sent to it again: core NATS does not redeliver.
    for (const id of unfinished) expect(hops.filter((h) => h.message.id === id && (h.kind === "delivered" || h.kind === "redelivered"))).toHaveLength(1);

    // Everything published after the kill went to the survivors, and both took a share.
    const secondIds = new Set(second);
    const afterKill = hops.filter((h) => h.kind === "delivered" && secondIds.has(h.message.id));
    expect(afterKill).toHaveLength(150);
    expect(afterKill.some((h) => h.to === victim)).toBe(false);
    for (const survivor of survivors) expect(afterKill.filter((h) => h.to === survivor).length).toBeGreaterThan(20);
    expect(first.every((id) => hops.some((h) => h.message.id === id && (h.kind === "processed" || h.kind === "dropped")))).toBe(true);

    const { ledger } = await state(base, ID);
    expect(ledger).toMatchObject({ published: 300, dropped: unfinished.length, completed: 300 - unfinished.length, lost: 0, redelivered: 0, inFlight: 0 });
    expect(ledger.dropReasons).toEqual({ [DROP_KILLED_IN_FLIGHT]: unfinished.length });
  });

  test("with no worker in the group, NATS answers 503 and the message is dropped as expected", async () => {
    for (const worker of await liveWorkers()) expect((await command({ type: "kill-actor", actorId: worker })).status).toBe(200);
    await waitFor("every worker gone", async () => ((await liveWorkers()).length === 0 ? true : undefined));
    await waitFor("the server to drop the dead workers' subscriptions", () => noInterestIn(nc, testNames.name(RESERVE_SUBJECT)));
    await command({ type: "reset" });
    const [id] = await publish(1);
    const dropped = await waitFor("the drop", async () => (await messageHops()).find((h) => h.kind === "dropped" && h.message.id === id));
    expect(dropped.reason).toBe(DROP_NO_WORKERS);
    expect((await state(base, ID)).ledger).toMatchObject({ published: 1, dropped: 1, completed: 0, lost: 0, inFlight: 0 });

    // A worker added back takes work again.
    expect((await command({ type: "add-actor", role: "worker" })).status).toBe(200);
    await publish(1);
    await waitFor("a completion", async () => ((await state(base, ID)).ledger.completed === 1 ? true : undefined));
  });
});
