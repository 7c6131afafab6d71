import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { HealthReport, ScenarioInfo } from "../../lib/protocol";
import type { Hopscope } from "../../server/app";
import { api, rawRequest, socketClient, startHopscope, waitFor, type TypedClient } from "./harness";

const ID = "nats-request-reply";
type Envelope = { ok: boolean; result?: unknown; error?: { code: string; message: string } };

describe("automation API", () => {
  let hopscope: Hopscope;
  let base: string;
  beforeAll(async () => {
    ({ hopscope, base } = await startHopscope());
  });
  afterAll(async () => {
    await hopscope.close();
  });

  test("health reports every broker with its URL, and NATS up", async () => {
    const { status, body } = await api<HealthReport>(base, "GET", "/api/health");
    expect(status).toBe(200);
    expect(Object.keys(body.brokers).sort()).toEqual(["kafka", "nats", "rabbitmq", "redis"]);
    expect(body.brokers.nats).toMatchObject({ up: true, url: "nats://127.0.0.1:4222" });
    expect(body.brokers.rabbitmq.url).toBe("amqp://guest:***@127.0.0.1:5672");
  });

  test("scenarios are listed with their contract fields", async () => {
    const { body } = await api<ScenarioInfo[]>(base, "GET", "/api/scenarios");
    const nats = body.find((s) => s.id === ID);
    expect(nats).toMatchObject({ broker: "nats", guarantee: "at-most-once", pattern: "request-reply" });
    expect(nats?.roles.map((r) => r.name)).toEqual(["requester", "responder"]);
    expect(nats?.commands.map((c) => c.type)).toEqual(["publish", "add-actor", "kill-actor", "set", "reset"]);
  });

  test.each([
    [{ type: "publish", count: 0 }, "count"],
    [{ type: "publish", count: "ten" }, "count"],
    [{ type: "teleport" }, "type"],
    [{ type: "set", delayMs: "slow" }, "delayMs"],
    [{ type: "set", bogus: 5 }, "bogus"],
    [{ type: "set", retries: 99 }, "retries"],
    [{ type: "set" }, "set needs"],
    [{ type: "add-actor" }, "role"],
    // A command of another scenario: request/reply makes no calls to cancel.
    [{ type: "cancel" }, "does not support"],
    [[1, 2, 3], "body"],
  ])("a bad command %j gets 400 naming %s", async (body, field) => {
    const res = await api<Envelope>(base, "POST", `/api/scenarios/${ID}/commands`, body);
    expect(res.status).toBe(400);
    expect(res.body.ok).toBe(false);
    expect(res.body.error?.code).toBe("bad-request");
    expect(res.body.error?.message).toContain(field);
  });

  test("malformed JSON gets 400 and the server keeps serving", async () => {
    const res = await api<Envelope>(base, "POST", `/api/scenarios/${ID}/commands`, "{ not json");
    expect(res.status).toBe(400);
    expect(res.body.error?.message).toMatch(/^body: not valid JSON/);
    expect((await api(base, "GET", "/api/health")).status).toBe(200);
  });

  test("a story's publish with a payload it cannot tell, or a key it does not know, gets 400 naming the field", async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["bank-transfer", { payload: { from: "acc-1", to: "acc-1", amount: 10 } }, /^payload\.to: must be another account/],
      ["bank-transfer", { payload: { from: "acc-1", to: "acc-2", amount: -5 } }, /^payload\.amount:/],
      ["social-post", { payload: "just text" }, /^payload:/],
      ["ride-request", { key: "surge", payload: {} }, /^key: must be "ride" or "driver toggle"/],
      ["ride-request", { key: "driver toggle", payload: { available: "yes" } }, /^payload\.available:/],
    ];
    for (const [id, command, message] of cases) {
      const res = await api<Envelope>(base, "POST", `/api/scenarios/${id}/commands`, { type: "publish", ...command });
      expect(res.status, `${id} ${JSON.stringify(command)}`).toBe(400);
      expect(res.body.error?.message).toMatch(message);
    }
  });

  test("unknown scenarios, actors and routes get 404", async () => {
    expect((await api(base, "GET", "/api/scenarios/nope/state")).status).toBe(404);
    expect((await api(base, "POST", "/api/scenarios/nope/start")).status).toBe(404);
    expect((await api(base, "GET", "/api/nothing-here")).status).toBe(404);
    await api(base, "POST", `/api/scenarios/${ID}/start`);
    const kill = await api<Envelope>(base, "POST", `/api/scenarios/${ID}/commands`, { type: "kill-actor", actorId: "responder-99" });
    expect(kill.status).toBe(404);
    expect(kill.body.error?.message).toContain("responder-99");
  });

  test("a page from another site cannot act through the presenter's browser", async () => {
    const res = await api<Envelope>(base, "POST", `/api/scenarios/${ID}/commands`, '{"type":"reset"}', { origin: "http://evil.example", "content-type": "text/plain" });
    expect(res.status).toBe(403);
    expect(res.body.error?.code).toBe("forbidden");
    const sameSite = await api<Envelope>(base, "POST", `/api/scenarios/${ID}/commands`, { type: "reset" }, { origin: base });
    expect(sameSite.status).toBe(200);
  });

  test("a rebound DNS name is refused on loopback, and a malformed path is a 400", async () => {
    const rebound = await rawRequest(base, "POST", `/api/scenarios/${ID}/commands`, { host: "attacker.example:3000", "content-type": "application/json" }, '{"type":"reset"}');
    expect(rebound.status).toBe(403);
    const local = await rawRequest(base, "POST", `/api/scenarios/${ID}/commands`, { host: "localhost:3000", "content-type": "application/json" }, '{"type":"reset"}');
    expect(local.status).toBe(200);
    const malformed = await api<Envelope>(base, "GET", `/api/scenarios/%E0%A4%A/state`);
    expect(malformed.status).toBe(400);
    expect(malformed.body.error?.message).toContain("percent-encoding");
  });

  test("the requester cannot be killed, and start is idempotent", async () => {
    const first = await api<{ result: { actors: { id: string }[] } }>(base, "POST", `/api/scenarios/${ID}/start`);
    const second = await api<{ result: { actors: { id: string }[] } }>(base, "POST", `/api/scenarios/${ID}/start`);
    expect(second.body.result.actors.map((a) => a.id)).toEqual(first.body.result.actors.map((a) => a.id));
    const kill = await api<Envelope>(base, "POST", `/api/scenarios/${ID}/commands`, { type: "kill-actor", actorId: "requester-1" });
    expect(kill.status).toBe(400);
  });

  test("hops?since pages through the buffer and rejects a bad cursor", async () => {
    expect((await api(base, "GET", `/api/scenarios/${ID}/hops?since=-1`)).status).toBe(400);
    expect((await api(base, "GET", `/api/scenarios/${ID}/hops?since=abc`)).status).toBe(400);
    await api(base, "POST", `/api/scenarios/${ID}/commands`, { type: "publish" });
    const all = await waitFor("hops in the buffer", async () => {
      const res = await api<{ hops: { seq: number }[]; lastSeq: number }>(base, "GET", `/api/scenarios/${ID}/hops?since=0`);
      return res.body.hops.length > 1 ? res : undefined;
    });
    // Paging one hop at a time walks the same hops, oldest first, skipping none.
    const paged: number[] = [];
    let cursor = 0;
    for (let page = 0; page < all.body.hops.length; page++) {
      const res = await api<{ hops: { seq: number }[]; lastSeq: number }>(base, "GET", `/api/scenarios/${ID}/hops?since=${cursor}&limit=1`);
      expect(res.body.hops).toHaveLength(1);
      paged.push(res.body.hops[0]!.seq);
      cursor = res.body.lastSeq;
    }
    expect(paged).toEqual(all.body.hops.map((h) => h.seq));
  });

  test("Socket.IO mirrors commands with acks and survives garbage", async () => {
    const client: TypedClient = socketClient(base);
    const hello = await new Promise<{ presenter: boolean; workshop: boolean }>((resolve, reject) => {
      client.once("hello", resolve);
      client.once("connect_error", reject);
    });
    // On loopback the local user presents, and nobody else can join.
    expect(hello).toMatchObject({ presenter: true, workshop: false, audienceUrls: [] });
    const bad = await client.emitWithAck("command", { scenarioId: ID, command: { type: "publish", count: -1 } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toContain("count");
    const unknown = await client.emitWithAck("watch", { scenarioId: "nope" });
    expect(!unknown.ok && unknown.error.code).toBe("not-found");
    // Garbage without an ack, and with the wrong shape, must not take the server down.
    (client as unknown as { emit: (...args: unknown[]) => void }).emit("command", "garbage");
    (client as unknown as { emit: (...args: unknown[]) => void }).emit("watch", null, 42);
    const good = await client.emitWithAck("command", { scenarioId: ID, command: { type: "publish" } });
    expect(good.ok).toBe(true);
    const watched = await client.emitWithAck("watch", { scenarioId: ID });
    expect(watched.ok).toBe(true);
    client.close();
  });
});

describe("when a broker is down", () => {
  test("commands get 503 with the reason and the start command", async () => {
    const { hopscope, base } = await startHopscope({ NATS_URL: "nats://127.0.0.1:1" });
    try {
      const health = await api<HealthReport>(base, "GET", "/api/health");
      expect(health.body.brokers.nats.up).toBe(false);
      expect(health.body.brokers.nats.error).toBe("connection refused");
      const start = await api<Envelope>(base, "POST", `/api/scenarios/${ID}/start`);
      expect(start.status).toBe(503);
      expect(start.body.error?.code).toBe("broker-down");
      expect(start.body.error?.message).toContain("NATS is down at nats://127.0.0.1:1");
      expect(start.body.error?.message).toContain("npm run brokers");
      const publish = await api<Envelope>(base, "POST", `/api/scenarios/${ID}/commands`, { type: "publish" });
      expect(publish.status).toBe(503);
    } finally {
      await hopscope.close();
    }
  });
});

describe("beyond loopback", () => {
  test("only the presenter token may act; foreign origins are refused", async () => {
    const token = "a-presenter-token-for-tests";
    const { hopscope, base } = await startHopscope({ HOST: "0.0.0.0", HOPSCOPE_TOKEN: token });
    try {
      const audience = await api<Envelope>(base, "POST", `/api/scenarios/${ID}/commands`, { type: "reset" });
      expect(audience.status).toBe(403);
      const wrong = await api<Envelope>(base, "POST", `/api/scenarios/${ID}/commands`, { type: "reset" }, { authorization: "Bearer nope" });
      expect(wrong.status).toBe(403);
      const presenter = await api<Envelope>(base, "POST", `/api/scenarios/${ID}/commands`, { type: "reset" }, { authorization: `Bearer ${token}` });
      expect(presenter.status).toBe(200);

      const watcher = socketClient(base);
      const hello = await new Promise<{ presenter: boolean; workshop: boolean; audienceUrls: string[] }>((resolve) => watcher.once("hello", resolve));
      expect(hello).toMatchObject({ presenter: false, workshop: true });
      // Where the audience joins: this machine's own addresses, on the port it really listens on.
      const port = new URL(base).port;
      const external = Object.values(networkInterfaces()).flat().filter((i) => i?.family === "IPv4" && !i.internal).map((i) => `http://${i?.address}:${port}/`);
      expect([...hello.audienceUrls].sort()).toEqual(external.sort());
      const refused = await watcher.emitWithAck("command", { scenarioId: ID, command: { type: "reset" } });
      expect(!refused.ok && refused.error.code).toBe("forbidden");
      watcher.close();

      const foreign = socketClient(base, { origin: "http://evil.example" });
      const error = await new Promise<Error>((resolve) => foreign.once("connect_error", resolve));
      expect(error).toBeInstanceOf(Error);
      foreign.close();
    } finally {
      await hopscope.close();
    }
  });

  test("the audience follows the presenter's scenario and message; the presenter sees how many watch", async () => {
    const token = "a-presenter-token-for-tests";
    const { hopscope, base } = await startHopscope({ HOST: "0.0.0.0", HOPSCOPE_TOKEN: token });
    const sockets: ReturnType<typeof socketClient>[] = [];
    try {
      const presenter = socketClient(base, { token });
      sockets.push(presenter);
      const counts: number[] = [];
      presenter.on("audience", ({ watching }) => counts.push(watching));
      await new Promise((resolve) => presenter.once("hello", resolve));

      const watcher = socketClient(base);
      sockets.push(watcher);
      await new Promise((resolve) => watcher.once("hello", resolve));
      await waitFor("the presenter to hear of one watcher", () => (counts.at(-1) === 1 ? true : undefined));

      // An audience command does nothing, on either transport.
      const before = (await api<{ ledger: { published: number } }>(base, "GET", `/api/scenarios/${ID}/state`)).body.ledger.published;
      const refused = await watcher.emitWithAck("command", { scenarioId: ID, command: { type: "publish", count: 3 } });
      expect(!refused.ok && refused.error.code).toBe("forbidden");
      expect((await api(base, "POST", `/api/scenarios/${ID}/commands`, { type: "publish", count: 3 })).status).toBe(403);
      expect((await api<{ ledger: { published: number } }>(base, "GET", `/api/scenarios/${ID}/state`)).body.ledger.published).toBe(before);

      const led = await watcher.emitWithAck("focus", { scenarioId: ID, traceId: null });
      expect(!led.ok && led.error.code).toBe("forbidden");
      const heard = new Promise<{ scenarioId: string | null; traceId: string | null }>((resolve) => watcher.once("focus", resolve));
      const accepted = await presenter.emitWithAck("focus", { scenarioId: ID, traceId: "ab12-7" });
      expect(accepted).toEqual({ ok: true, result: { scenarioId: ID, traceId: "ab12-7" } });
      expect(await heard).toEqual({ scenarioId: ID, traceId: "ab12-7" });

      // A latecomer is told at once where the presenter is.
      const late = socketClient(base);
      sockets.push(late);
      const hello = await new Promise<{ focus: { scenarioId: string | null; traceId: string | null } }>((resolve) => late.once("hello", resolve));
      expect(hello.focus).toEqual({ scenarioId: ID, traceId: "ab12-7" });
      await waitFor("two watchers", () => (counts.at(-1) === 2 ? true : undefined));

      const unknown = await presenter.emitWithAck("focus", { scenarioId: "nope", traceId: null });
      expect(!unknown.ok && unknown.error.code).toBe("not-found");
      const malformed = await presenter.emitWithAck("focus", { scenarioId: 42 } as never);
      expect(!malformed.ok && malformed.error.code).toBe("bad-request");
      // A comparison leads the audience the same way; an unknown one, or one beside a scenario, is refused.
      expect(await presenter.emitWithAck("focus", { scenarioId: null, traceId: null, comparisonId: "queue-group-vs-jetstream" })).toEqual({ ok: true, result: { scenarioId: null, traceId: null, comparisonId: "queue-group-vs-jetstream" } });
      const noComparison = await presenter.emitWithAck("focus", { scenarioId: null, traceId: null, comparisonId: "nope" });
      expect(!noComparison.ok && noComparison.error.code).toBe("not-found");
      const both = await presenter.emitWithAck("focus", { scenarioId: ID, traceId: null, comparisonId: "queue-group-vs-jetstream" });
      expect(!both.ok && both.error.code).toBe("bad-request");

      late.close();
      await waitFor("the count to drop when a watcher leaves", () => (counts.at(-1) === 1 ? true : undefined));
    } finally {
      for (const socket of sockets) socket.close();
      await hopscope.close();
    }
  });
});
