import { connect } from "amqplib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isMessageHop, type MessageHop } from "../../lib/protocol";
import type { Hopscope } from "../../server/app";
import { loadConfig } from "../../server/config";
import { declareExchanges, DROP_UNROUTABLE, EXCHANGE_QUEUES } from "../../server/scenarios/rabbitmq-exchanges/names";
import { allHops, api, startHopscope, state, testNames, waitFor } from "./harness";

const ID = "rabbitmq-exchanges";
let hopscope: Hopscope;
let base: string;

const command = (body: unknown) => api<{ ok: boolean; result: Record<string, unknown> }>(base, "POST", `/api/scenarios/${ID}/commands`, body);

beforeAll(async () => {
  const connection = await connect(loadConfig(process.env).urls.rabbitmq);
  const channel = await connection.createChannel();
  await declareExchanges(channel, testNames);
  for (const queue of EXCHANGE_QUEUES) await channel.purgeQueue(testNames.name(queue));
  await connection.close();
  ({ hopscope, base } = await startHopscope());
  expect((await api(base, "POST", `/api/scenarios/${ID}/start`)).status).toBe(200);
  await command({ type: "set", delayMs: 0 });
});
afterAll(async () => {
  await hopscope.close();
});

describe("rabbitmq-exchanges against the real RabbitMQ", () => {
  test.each([
    ["orders.direct", "paid", {}, ["ex.billing"]],
    ["orders.direct", "refunded", {}, []],
    ["orders.topic", "orders.eu.created", {}, ["ex.eu-orders", "ex.created", "ex.all-orders"]],
    ["orders.topic", "orders.us.created", {}, ["ex.created", "ex.all-orders"]],
    ["orders.topic", "orders.eu.paid.late", {}, ["ex.all-orders"]],
    ["orders.fanout", "anything", {}, ["ex.audit", "ex.analytics"]],
    ["orders.headers", "", { tier: "gold", region: "eu" }, ["ex.vip"]],
    ["orders.headers", "", { priority: "high" }, ["ex.express"]],
    ["orders.headers", "", { tier: "gold" }, []],
  ] as const)("%s with key %j and headers %j reaches %j", async (exchange, key, headers, expected) => {
    const published = await command({ type: "publish", exchange, key, headers });
    expect(published.status).toBe(200);
    const [id] = published.body.result.messageIds as string[];
    // The explanation predicts the broker's routing...
    expect([...(published.body.result.routedTo as string[])].sort()).toEqual([...expected].sort());

    // ...and the broker's actual deliveries (or its return) agree.
    const trace = () => allHops(base, ID).then((hops) => hops.filter((h): h is MessageHop => isMessageHop(h) && h.message.id === id));
    if (expected.length === 0) {
      const dropped = await waitFor("the return", async () => (await trace()).find((h) => h.kind === "dropped"));
      expect(dropped.reason).toBe(DROP_UNROUTABLE);
    } else {
      await waitFor("every copy", async () => ((await trace()).filter((h) => h.kind === "delivered").length >= expected.length ? true : undefined));
    }
    await new Promise((r) => setTimeout(r, 250));
    const hops = await trace();
    expect(hops.filter((h) => h.kind === "delivered").map((h) => h.message.destination).sort()).toEqual([...expected].sort());
    expect(hops.filter((h) => h.kind === "routed").map((h) => h.to.replace("rabbitmq:", "")).sort()).toEqual([...expected].sort());
    const verdicts = hops.find((h) => h.kind === "published")?.routing ?? [];
    expect(verdicts.filter((v) => v.matched).map((v) => v.queue).sort()).toEqual([...expected].sort());
    for (const verdict of verdicts) expect(verdict.why.length).toBeGreaterThan(0);
  });

  test("the ledger counts fan-out copies once and returns as drops", async () => {
    await command({ type: "reset" });
    await command({ type: "publish", exchange: "orders.fanout", key: "x" });
    await command({ type: "publish", exchange: "orders.direct", key: "nobody" });
    const s = await waitFor("both settled", async () => {
      const current = await state(base, ID);
      return current.ledger.inFlight === 0 && current.ledger.published === 2 ? current : undefined;
    });
    expect(s.ledger).toMatchObject({ published: 2, delivered: 1, redelivered: 0, completed: 1, duplicates: 0, dropped: 1, lost: 0 });
    expect(s.ledger.dropReasons[DROP_UNROUTABLE]).toBe(1);
  });
});
