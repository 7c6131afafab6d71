import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isMessageHop, type Hop, type MessageHop } from "../../lib/protocol";
import type { Hopscope } from "../../server/app";
import { DROP_UNCORRELATED } from "../../server/scenarios/rabbitmq-rpc/names";
import { allHops, api, startHopscope, state, waitFor } from "./harness";

const ID = "rabbitmq-rpc";
let hopscope: Hopscope;
let base: string;

const command = (body: unknown) => api<{ ok: boolean; result: Record<string, unknown> }>(base, "POST", `/api/scenarios/${ID}/commands`, body);
const messageHops = (hops: Hop[]) => hops.filter(isMessageHop);

beforeAll(async () => {
  ({ hopscope, base } = await startHopscope());
  expect((await api(base, "POST", `/api/scenarios/${ID}/start`)).status).toBe(200);
});
afterAll(async () => {
  await hopscope.close();
});

describe("rabbitmq-rpc against the real RabbitMQ", () => {
  test("every reply is correlated to its request", async () => {
    await command({ type: "reset" });
    await command({ type: "set", delayMs: 5 });
    await command({ type: "add-actor", role: "responder" });
    const ids = (await command({ type: "publish", count: 50 })).body.result.messageIds as string[];
    const settled = await waitFor("every reply", async () => {
      const s = await state(base, ID);
      return s.ledger.completed === 50 ? s : undefined;
    }, 30_000);
    expect(settled.ledger).toMatchObject({ published: 50, completed: 50, lost: 0, inFlight: 0 });
    const hops = messageHops(await allHops(base, ID));
    const replies = hops.filter((h) => h.kind === "reply-received").map((h) => h.message.id);
    expect(replies.sort()).toEqual([...ids].sort());
    expect(hops.filter((h) => h.reason === DROP_UNCORRELATED)).toEqual([]);
    // Replies came from more than one responder: the queue shares the work.
    expect(new Set(hops.filter((h) => h.kind === "replied").map((h) => h.from)).size).toBeGreaterThan(1);
  });

  test("a responder killed mid-request leaves the request to another, which serves it", async () => {
    await command({ type: "reset" });
    await command({ type: "set", delayMs: 1500 });
    const [id] = (await command({ type: "publish" })).body.result.messageIds as string[];
    const delivery = await waitFor("the request to be taken", async () =>
      messageHops(await allHops(base, ID)).find((h) => h.kind === "delivered" && h.message.id === id),
    );
    expect((await command({ type: "kill-actor", actorId: delivery.to })).status).toBe(200);

    await waitFor("the reply", async () => ((await state(base, ID)).ledger.completed === 1 ? true : undefined), 20_000);
    const trace = messageHops(await allHops(base, ID)).filter((h) => h.message.id === id);
    const kinds = (kind: string) => trace.filter((h) => h.kind === kind);
    expect(kinds("requeued").map((h) => h.from)).toEqual([delivery.to]);
    const redelivery = kinds("redelivered")[0] as MessageHop | undefined;
    expect(redelivery?.message.redelivered).toBe(true);
    expect(redelivery?.to).not.toBe(delivery.to);
    expect(kinds("replied").map((h) => h.from)).toEqual([redelivery?.to]);
    expect(kinds("reply-received")).toHaveLength(1);
    expect((await state(base, ID)).ledger).toMatchObject({ completed: 1, lost: 0, redelivered: 1 });
  });
});
