import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isMessageHop, type MessageHop } from "../../lib/protocol";
import type { Hopscope } from "../../server/app";
import { Redis } from "ioredis";
import { loadConfig } from "../../server/config";
import { DRIVER_CHANNEL, DROP_NO_SUBSCRIBERS } from "../../server/scenarios/redis-pubsub/names";
import { allHops, api, startHopscope, state, testNames, waitFor } from "./harness";

const ID = "redis-pubsub";
let hopscope: Hopscope;
let base: string;

const command = (body: unknown) => api<{ ok: boolean; result: Record<string, unknown> }>(base, "POST", `/api/scenarios/${ID}/commands`, body);
const messageHops = async () => (await allHops(base, ID)).filter(isMessageHop);
const deliveredTo = (hops: MessageHop[], actor: string) => hops.filter((h) => h.kind === "delivered" && h.to === actor).map((h) => h.message.id);

beforeAll(async () => {
  ({ hopscope, base } = await startHopscope());
  expect((await api(base, "POST", `/api/scenarios/${ID}/start`)).status).toBe(200);
});
afterAll(async () => {
  await hopscope.close();
});

describe("redis-pubsub against the real Redis", () => {
  test("every current subscriber receives each message, on its own subscriber connection", async () => {
    await command({ type: "reset" });
    const subscribers = (await state(base, ID)).actors.filter((a) => a.role === "subscriber" && a.alive);
    expect(subscribers).toHaveLength(2);
    for (const s of subscribers) expect(s.connections).toEqual(["subscriber", "commands"]);
    const { messageIds, receivers } = (await command({ type: "publish", count: 10 })).body.result as { messageIds: string[]; receivers: number[] };
    expect(receivers).toEqual(Array(10).fill(2));
    await waitFor("both copies of each", async () => ((await messageHops()).filter((h) => h.kind === "delivered").length === 20 ? true : undefined));
    const hops = await messageHops();
    for (const s of subscribers) expect(deliveredTo(hops, s.id).sort()).toEqual([...messageIds].sort());
    // Redis's answer to each PUBLISH settles it, with the number of subscribers that got it.
    const confirmed = hops.filter((h) => h.kind === "confirmed");
    expect(confirmed.map((h) => h.message.id).sort()).toEqual([...messageIds].sort());
    for (const hop of confirmed) expect(hop.receivers).toBe(2);
    expect((await state(base, ID)).ledger).toMatchObject({ published: 10, completed: 10, dropped: 0, redelivered: 0 });
  });

  test("a subscriber added later never sees earlier messages", async () => {
    await command({ type: "reset" });
    const before = ((await command({ type: "publish", count: 5 })).body.result as { messageIds: string[] }).messageIds;
    const late = String(((await command({ type: "add-actor", role: "subscriber" })).body.result as { actorId: string }).actorId);
    const after = ((await command({ type: "publish", count: 5 })).body.result as { messageIds: string[] }).messageIds;
    await waitFor("the late subscriber's copies", async () => (deliveredTo(await messageHops(), late).length === 5 ? true : undefined));
    await new Promise((r) => setTimeout(r, 200));
    const got = deliveredTo(await messageHops(), late);
    expect(got.sort()).toEqual([...after].sort());
    for (const id of before) expect(got).not.toContain(id);
  });

  test("a killed subscriber misses what is published while it is down, shown as expected", async () => {
    const alive = (await state(base, ID)).actors.filter((a) => a.role === "subscriber" && a.alive);
    expect(alive.length).toBeGreaterThan(1);
    const [victim, ...rest] = alive;
    // Reset first: a reset forgets dead actors, and with them who is down.
    await command({ type: "reset" });
    await command({ type: "kill-actor", actorId: victim!.id });
    await waitFor("the victim to be gone", async () => ((await state(base, ID)).actors.find((a) => a.id === victim!.id)?.alive === false ? true : undefined));
    const { messageIds } = (await command({ type: "publish" })).body.result as { messageIds: string[] };
    const answer = await waitFor("Redis's answer", async () => (await messageHops()).find((h) => h.kind === "confirmed" && h.message.id === messageIds[0]));
    expect(answer.reason).toBe("missed by 1 subscriber that is down (at-most-once, expected)");
    await waitFor("the live subscribers' copies", async () => (deliveredTo(await messageHops(), rest[0]!.id).length === 1 ? true : undefined));
    expect(deliveredTo(await messageHops(), victim!.id)).toEqual([]);
    expect((await state(base, ID)).ledger).toMatchObject({ published: 1, completed: 1, dropped: 0, lost: 0 });
  });

  test("with nobody listening the message is dropped, receivers 0, as at-most-once allows", async () => {
    for (const s of (await state(base, ID)).actors.filter((a) => a.role === "subscriber" && a.alive)) await command({ type: "kill-actor", actorId: s.id });
    // SIGKILL is sent at once; Redis notices the dead connections a moment later.
    const redis = new Redis(loadConfig(process.env).urls.redis);
    try {
      await waitFor("Redis to see no subscribers", async () => {
        const [, count] = (await redis.pubsub("NUMSUB", testNames.redis(DRIVER_CHANNEL))) as [string, number];
        return count === 0 ? true : undefined;
      });
    } finally {
      redis.disconnect();
    }
    await command({ type: "reset" });
    const { receivers, messageIds } = (await command({ type: "publish" })).body.result as { receivers: number[]; messageIds: string[] };
    expect(receivers).toEqual([0]);
    const dropped = await waitFor("the drop", async () => (await messageHops()).find((h) => h.kind === "dropped" && h.message.id === messageIds[0]));
    expect(dropped.reason).toBe(DROP_NO_SUBSCRIBERS);
    expect(dropped.receivers).toBe(0);
    const { ledger } = await state(base, ID);
    expect(ledger).toMatchObject({ published: 1, dropped: 1, lost: 0, completed: 0, inFlight: 0 });
    expect(ledger.dropReasons[DROP_NO_SUBSCRIBERS]).toBe(1);
  });

  test("PSUBSCRIBE driver-* receives the channel's messages too", async () => {
    await command({ type: "set", usePattern: 1 });
    const sub = String(((await command({ type: "add-actor", role: "subscriber" })).body.result as { actorId: string }).actorId);
    await command({ type: "reset" });
    const { messageIds } = (await command({ type: "publish" })).body.result as { messageIds: string[] };
    const delivery = await waitFor("the pattern delivery", async () => (await messageHops()).find((h) => h.kind === "delivered" && h.to === sub && h.message.id === messageIds[0]));
    expect(delivery.reason).toBe("via PSUBSCRIBE driver-*");
    await command({ type: "set", usePattern: 0 });
  });
});
