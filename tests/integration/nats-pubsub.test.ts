import { connect, type NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isMessageHop, type MessageHop } from "../../lib/protocol";
import type { Hopscope } from "../../server/app";
import { loadConfig } from "../../server/config";
import { DROP_NO_SUBSCRIBERS, ORDER_EVENTS } from "../../server/scenarios/nats-pubsub/names";
import { allHops, api, liveActors, noInterestIn, startHopscope, state, testNames, waitFor } from "./harness";

const ID = "nats-pubsub";
let hopscope: Hopscope;
let base: string;
let nc: NatsConnection;

const command = (body: unknown) => api<{ ok: boolean; result: Record<string, unknown>; error?: { code: string; message: string } }>(base, "POST", `/api/scenarios/${ID}/commands`, body);
const messageHops = async () => (await allHops(base, ID)).filter(isMessageHop);
const deliveredTo = (hops: MessageHop[], actor: string) => hops.filter((h) => h.kind === "delivered" && h.to === actor);

async function publish(count: number, key?: string): Promise<string[]> {
  const res = await command({ type: "publish", count, ...(key ? { key } : {}) });
  expect(res.status).toBe(200);
  return res.body.result.messageIds as string[];
}

const liveSubscribers = () => liveActors(base, ID, "subscriber");

beforeAll(async () => {
  nc = await connect({ servers: loadConfig(process.env).urls.nats });
  ({ hopscope, base } = await startHopscope());
  expect((await api(base, "POST", `/api/scenarios/${ID}/start`)).status).toBe(200);
});
afterAll(async () => {
  await hopscope.close();
  await nc.close();
});

describe("nats-pubsub against the real NATS", () => {
  test("every subscriber gets its own copy of every event, on the event's subject", async () => {
    await command({ type: "reset" });
    const subscribers = await liveSubscribers();
    expect(subscribers).toHaveLength(2);
    const created = await publish(10, "order_created");
    const updated = await publish(10, "order_status_updated");
    // The flush's answer can reach the publisher after the subscribers already have the event.
    await waitFor("both copies of each, and every publish confirmed", async () => {
      const kinds = (await messageHops()).map((h) => h.kind);
      return kinds.filter((k) => k === "delivered").length === 40 && kinds.filter((k) => k === "confirmed").length === 20 ? true : undefined;
    });
    const hops = await messageHops();
    for (const s of subscribers) {
      const got = deliveredTo(hops, s);
      expect(got.filter((h) => h.message.destination === "order_created").map((h) => h.message.id).sort()).toEqual([...created].sort());
      expect(got.filter((h) => h.message.destination === "order_status_updated").map((h) => h.message.id).sort()).toEqual([...updated].sort());
      for (const hop of got) expect(hop.from).toBe(`nats:${hop.message.destination}`);
    }
    // The server's answer to the flush settles each publish; NATS gives no receiver count.
    const confirmed = hops.filter((h) => h.kind === "confirmed");
    expect(confirmed.map((h) => h.message.id).sort()).toEqual([...created, ...updated].sort());
    for (const hop of confirmed) {
      expect(hop.rttMs).toBeGreaterThan(0);
      expect(hop.receivers).toBeUndefined();
    }
    expect((await state(base, ID)).ledger).toMatchObject({ published: 20, completed: 20, delivered: 20, redelivered: 0, dropped: 0, lost: 0, inFlight: 0 });
  });

  test("an unknown event is refused with the choices named", async () => {
    const res = await command({ type: "publish", key: "order_deleted" });
    expect(res.body.ok).toBe(false);
    expect(res.body.error?.message).toContain("order_created or order_status_updated");
  });

  test("a subscriber added later never sees earlier events", async () => {
    await command({ type: "reset" });
    const before = await publish(5);
    const added = await command({ type: "add-actor", role: "subscriber" });
    expect(added.status).toBe(200);
    const late = String(added.body.result.actorId);
    const after = await publish(5, "order_status_updated");
    await waitFor("the late subscriber's copies", async () => (deliveredTo(await messageHops(), late).length === 5 ? true : undefined));
    await new Promise((r) => setTimeout(r, 200));
    const hops = await messageHops();
    const got = deliveredTo(hops, late).map((h) => h.message.id);
    expect(got.sort()).toEqual([...after].sort());
    for (const id of before) expect(got).not.toContain(id);
    // The subscribers that were there all along got both bursts.
    for (const s of (await liveSubscribers()).filter((s) => s !== late)) expect(deliveredTo(hops, s)).toHaveLength(10);
  });

  test("a killed subscriber misses what is published while it is down, shown as expected", async () => {
    const [victim, ...rest] = await liveSubscribers();
    expect(rest.length).toBeGreaterThan(0);
    await command({ type: "reset" });
    expect((await command({ type: "kill-actor", actorId: victim! })).status).toBe(200);
    await waitFor("the victim to be gone", async () => ((await liveSubscribers()).includes(victim!) ? undefined : true));
    const [id] = await publish(1);
    const answer = await waitFor("the flush answer", async () => (await messageHops()).find((h) => h.kind === "confirmed" && h.message.id === id));
    expect(answer.reason).toBe("missed by 1 subscriber that is down (at-most-once, expected)");
    await waitFor("the live subscribers' copies", async () => {
      const hops = await messageHops();
      return rest.every((s) => deliveredTo(hops, s).length === 1) ? true : undefined;
    });
    expect(deliveredTo(await messageHops(), victim!)).toEqual([]);
    expect((await state(base, ID)).ledger).toMatchObject({ published: 1, completed: 1, dropped: 0, lost: 0 });
  });

  test("with nobody subscribed, NATS answers 503 and the event is dropped as at-most-once allows", async () => {
    for (const s of await liveSubscribers()) expect((await command({ type: "kill-actor", actorId: s })).status).toBe(200);
    await waitFor("every subscriber gone", async () => ((await liveSubscribers()).length === 0 ? true : undefined));
    for (const event of ORDER_EVENTS) await waitFor(`the server to drop the dead subscriptions to ${event}`, () => noInterestIn(nc, testNames.name(event)));
    await command({ type: "reset" });
    const ids = await publish(3, "order_status_updated");
    await waitFor("the drops", async () => ((await messageHops()).filter((h) => h.kind === "dropped").length === 3 ? true : undefined));
    const dropped = (await messageHops()).filter((h) => h.kind === "dropped");
    expect(dropped.map((h) => h.message.id).sort()).toEqual([...ids].sort());
    for (const hop of dropped) expect(hop.reason).toBe(DROP_NO_SUBSCRIBERS);
    const { ledger } = await state(base, ID);
    expect(ledger).toMatchObject({ published: 3, dropped: 3, completed: 0, lost: 0, inFlight: 0 });
    expect(ledger.dropReasons[DROP_NO_SUBSCRIBERS]).toBe(3);
  });
});
