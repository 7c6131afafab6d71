import { connect } from "nats";
import { describe, expect, test } from "vitest";
import type { WitnessView } from "../../lib/crosscheck";
import { NATS_TRACE_DEST_HEADER } from "../../lib/nats-trace";
import { RESERVE_QUEUE_GROUP, RESERVE_SUBJECT } from "../../server/scenarios/nats-queue-group/names";
import { api, hopscopeForFile, liveActors, testNames, waitFor } from "./harness";

/**
 * NATS message tracing, on a server that does it (2.11 or newer, `scripts/nats-tracing.sh`
 * starts one beside the machine's NATS): the broker's own word on which queue-group member got
 * each message, held against the members' reports. A member that takes messages and reports
 * nothing is found by name.
 */
const TRACING_URL = process.env.NATS_TRACING_URL ?? "nats://127.0.0.1:4223";
const server = hopscopeForFile({ NATS_URL: TRACING_URL });

const view = async (id: string) => (await api<{ ok: boolean; result: WitnessView }>(server.base, "GET", `/api/scenarios/${id}/crosscheck`)).body.result;
const command = (id: string, body: unknown) => api(server.base, "POST", `/api/scenarios/${id}/commands`, body);

describe("NATS message tracing in the broker's view", () => {
  test("the trace names the queue-group member that got each message; a silent member is found", async () => {
    const id = "nats-queue-group";
    expect((await api(server.base, "POST", `/api/scenarios/${id}/start`)).status).toBe(200);
    const nc = await connect({ servers: TRACING_URL, name: "silent-worker" });
    try {
      const workers = await waitFor("the workers", async () => {
        const live = await liveActors(server.base, id, "worker");
        return live.length >= 2 ? live : undefined;
      });
      expect((await api(server.base, "POST", `/api/scenarios/${id}/crosscheck`, { on: true })).status).toBe(200);
      expect((await view(id)).natsTracing).toMatchObject({ on: true });

      expect((await command(id, { type: "publish", count: 10 })).status).toBe(200);
      const agreed = await waitFor("the trace of all 10 deliveries", async () => {
        const current = await view(id);
        return current.result?.deliveries && current.result.deliveries.both === 10 ? current : undefined;
      });
      expect(agreed.result).toMatchObject({ both: 10, deliveries: { both: 10, actorsOnly: { count: 0 }, brokerOnly: { count: 0 } }, confirmed: true });

      // A connection of nobody's joins the queue group: NATS hands it its share, and it reports nothing.
      let silentGot = 0;
      nc.subscribe(testNames.name(RESERVE_SUBJECT), { queue: testNames.name(RESERVE_QUEUE_GROUP), callback: () => silentGot++ });
      await nc.flush();
      expect((await command(id, { type: "publish", count: 30 })).status).toBe(200);
      const found = await waitFor("the silent member's deliveries", async () => {
        const current = await view(id);
        const deliveries = current.result?.deliveries;
        // Until the members' own reports are all in (on a busy machine they can trail the trace).
        return deliveries && silentGot > 0 && deliveries.brokerOnly.count === silentGot && deliveries.both + deliveries.brokerOnly.count === 40 ? current : undefined;
      });
      const deliveries = found.result!.deliveries!;
      expect(deliveries.brokerOnly.count).toBe(silentGot);
      expect(deliveries.actorsOnly.count).toBe(0);
      for (const what of deliveries.brokerOnly.ids) expect(what).toMatch(/ → silent-worker$/);
      expect(found.result!.confirmed).toBe(false);
      // The rest went to the members the scenario runs, and they said so.
      expect(deliveries.both).toBe(40 - silentGot);
      expect(workers.length).toBeGreaterThanOrEqual(2);
    } finally {
      await nc.close();
      await api(server.base, "POST", `/api/scenarios/${id}/stop`);
    }
  });

  test.each([
    ["nats-request-reply", 6, 6],
    // No queue group: every subscriber gets its own copy.
    ["nats-pubsub", 4, 8],
    // A story: its NATS leg (payment.charge) is traced beside its RabbitMQ jobs and Redis broadcast.
    ["order-placement", 2, 2],
  ])("%s: the trace and the actors agree on who got each message", async (id, published, delivered) => {
    expect((await api(server.base, "POST", `/api/scenarios/${id}/start`)).status).toBe(200);
    try {
      expect((await api(server.base, "POST", `/api/scenarios/${id}/crosscheck`, { on: true })).status).toBe(200);
      expect((await command(id, { type: "publish", count: published })).status).toBe(200);
      const agreed = await waitFor(`the trace of ${delivered} deliveries`, async () => {
        const current = await view(id);
        return current.result?.deliveries && current.result.deliveries.both >= delivered ? current : undefined;
      });
      expect(agreed.result).toMatchObject({ deliveries: { both: delivered, actorsOnly: { count: 0 }, brokerOnly: { count: 0 } } });
      // Every publish seen by both as well (a story publishes more than its orders: jobs, a broadcast).
      const settled = await waitFor("every publish seen by both", async () => {
        const current = await view(id);
        return current.result?.confirmed ? current : undefined;
      });
      expect(settled.result!.both).toBeGreaterThanOrEqual(published);
    } finally {
      await api(server.base, "POST", `/api/scenarios/${id}/stop`);
    }
  });

  test("tracing is asked of the actors only while the witness listens", async () => {
    const id = "nats-queue-group";
    expect((await api(server.base, "POST", `/api/scenarios/${id}/start`)).status).toBe(200);
    const nc = await connect({ servers: TRACING_URL, name: "header-reader" });
    try {
      const traceHeaders: (string | undefined)[] = [];
      // Not in the queue group: a copy of every message, headers and all.
      nc.subscribe(testNames.name(RESERVE_SUBJECT), { callback: (_error, msg) => traceHeaders.push(msg.headers?.get(NATS_TRACE_DEST_HEADER) || undefined) });
      await nc.flush();
      await command(id, { type: "publish", count: 2 });
      await waitFor("2 untraced copies", () => (traceHeaders.length >= 2 ? true : undefined));
      expect(traceHeaders).toEqual([undefined, undefined]);

      expect((await api(server.base, "POST", `/api/scenarios/${id}/crosscheck`, { on: true })).status).toBe(200);
      await command(id, { type: "publish", count: 2 });
      await waitFor("2 traced copies", () => (traceHeaders.length >= 4 ? true : undefined));
      expect(traceHeaders.slice(2).every((to) => to?.startsWith("_hopscope_trace."))).toBe(true);

      expect((await api(server.base, "POST", `/api/scenarios/${id}/crosscheck`, { on: false })).status).toBe(200);
      await command(id, { type: "publish", count: 2 });
      await waitFor("2 more copies", () => (traceHeaders.length >= 6 ? true : undefined));
      expect(traceHeaders.slice(4)).toEqual([undefined, undefined]);
    } finally {
      await nc.close();
      await api(server.base, "POST", `/api/scenarios/${id}/stop`);
    }
  });
});
