import { connect as connectAmqp } from "amqplib";
import Redis from "ioredis";
import { connect, headers } from "nats";
import { describe, expect, test } from "vitest";
import type { CrossCheck } from "../../lib/crosscheck";
import type { QueueCounters } from "../../lib/rabbitmq-firehose";
import { loadConfig } from "../../server/config";
import { DRIVER_CHANNEL } from "../../server/scenarios/redis-pubsub/names";
import { JOB_QUEUE } from "../../server/scenarios/rabbitmq-work-queue/names";
import { api, hopscopeForFile, testNames, waitFor } from "./harness";

/**
 * The broker as a witness: what its taps saw published, against what the actors reported. A
 * message published behind the actors' backs must show as the broker's alone.
 */
const server = hopscopeForFile();
const urls = loadConfig({ ...process.env, PORT: "0" }).urls;

interface View {
  on: boolean;
  since: number | null;
  result: CrossCheck | null;
  queues?: QueueCounters[];
  natsTracing?: { on: boolean; note: string };
}
const view = async (id: string) => (await api<{ ok: boolean; result: View }>(server.base, "GET", `/api/scenarios/${id}/crosscheck`)).body.result;
const command = (id: string, body: unknown) => api(server.base, "POST", `/api/scenarios/${id}/commands`, body);

describe("the broker's view, cross-checked", () => {
  test("NATS: every message the actors published, the broker saw; one published behind their backs is found", async () => {
    const id = "nats-pubsub";
    // Not running: nothing to witness yet.
    expect((await api(server.base, "POST", `/api/scenarios/${id}/crosscheck`, { on: true })).status).toBe(409);
    expect((await api(server.base, "POST", `/api/scenarios/${id}/start`)).status).toBe(200);
    expect((await api(server.base, "POST", `/api/scenarios/${id}/crosscheck`, { on: true })).status).toBe(200);
    expect((await command(id, { type: "publish", count: 12 })).status).toBe(200);
    const agreed = await waitFor("the broker to have seen all 12", async () => {
      const current = await view(id);
      return current.result && current.result.both === 12 ? current : undefined;
    });
    expect(agreed.result).toMatchObject({ both: 12, actorsOnly: { count: 0 }, brokerOnly: { count: 0 }, confirmed: true });
    // Whether this NATS traces messages (tests/integration/nats-tracing.test.ts has one that does), the view says.
    const tracing = agreed.natsTracing;
    expect(tracing).toBeDefined();
    if (!tracing!.on) expect(tracing!.note).toMatch(/^NATS \S+ does not trace messages \(2\.11\.0 and newer do\)/);

    // A message on the scenario's subject that no actor reports.
    const nc = await connect({ servers: urls.nats });
    const h = headers();
    h.set("Hopscope-Message-Id", "hidden-1");
    nc.publish(testNames.name("order_created"), JSON.stringify({ orderId: "hidden" }), { headers: h });
    await nc.flush();
    await nc.close();
    const found = await waitFor("the hidden publish to be found", async () => {
      const current = await view(id);
      return current.result && current.result.brokerOnly.count > 0 ? current : undefined;
    });
    expect(found.result).toMatchObject({ both: 12, actorsOnly: { count: 0 }, brokerOnly: { count: 1, ids: ["hidden-1"] }, confirmed: false });

    expect((await api(server.base, "POST", `/api/scenarios/${id}/crosscheck`, { on: false })).status).toBe(200);
    expect(await view(id)).toEqual({ on: false, since: null, result: null });
    await api(server.base, "POST", `/api/scenarios/${id}/stop`);
  });

  test("Redis pub/sub: the same, through PSUBSCRIBE; bad bodies get a 400", async () => {
    const id = "redis-pubsub";
    expect((await api(server.base, "POST", `/api/scenarios/${id}/start`)).status).toBe(200);
    for (const body of [{}, { on: "yes" }, { on: true, extra: 1 }]) expect((await api(server.base, "POST", `/api/scenarios/${id}/crosscheck`, body)).status).toBe(400);
    expect((await api(server.base, "POST", "/api/scenarios/nope/crosscheck", { on: true })).status).toBe(404);
    expect((await api(server.base, "POST", `/api/scenarios/${id}/crosscheck`, { on: true })).status).toBe(200);
    expect((await command(id, { type: "publish", count: 8 })).status).toBe(200);
    const redis = new Redis(urls.redis);
    try {
      await waitFor("the broker to have seen all 8", async () => ((await view(id)).result?.both === 8 ? true : undefined));
      await redis.publish(testNames.redis(DRIVER_CHANNEL), JSON.stringify({ messageId: "hidden-2", driverId: "driver-1" }));
      const found = await waitFor("the hidden publish to be found", async () => {
        const current = await view(id);
        return current.result && current.result.brokerOnly.count > 0 ? current : undefined;
      });
      expect(found.result).toMatchObject({ both: 8, brokerOnly: { ids: ["hidden-2"] }, confirmed: false });
    } finally {
      redis.disconnect();
      await api(server.base, "POST", `/api/scenarios/${id}/stop`);
    }
    // Stopping the scenario stops its witness.
    await waitFor("the witness to stop with the scenario", async () => ((await view(id)).on ? undefined : true));
  });
  test("JetStream: the stream's own acks agree with the workers' reports, settle for settle", async () => {
    const id = "nats-jetstream";
    expect((await api(server.base, "POST", `/api/scenarios/${id}/start`)).status).toBe(200);
    try {
      expect((await api(server.base, "POST", `/api/scenarios/${id}/crosscheck`, { on: true })).status).toBe(200);
      expect((await command(id, { type: "publish", count: 6 })).status).toBe(200);
      const agreed = await waitFor("the stream to have heard all 6 acks", async () => {
        const current = await view(id);
        return current.result?.settles && current.result.settles.both >= 6 && current.result.both === 6 ? current : undefined;
      }, 30_000);
      expect(agreed.result).toMatchObject({ both: 6, brokerOnly: { count: 0 }, settles: { actorsOnly: { count: 0 }, brokerOnly: { count: 0 } }, confirmed: true });
    } finally {
      await api(server.base, "POST", `/api/scenarios/${id}/stop`);
    }
  }, 60_000);

  test("RabbitMQ work queue: the firehose confirms every job the producer published, finds one published behind its back, and the queue's counters hold the acks", async () => {
    const id = "rabbitmq-work-queue";
    expect((await api(server.base, "POST", `/api/scenarios/${id}/start`)).status).toBe(200);
    try {
      expect((await api(server.base, "POST", `/api/scenarios/${id}/crosscheck`, { on: true })).status).toBe(200);
      expect((await command(id, { type: "publish", count: 6 })).status).toBe(200);
      const agreed = await waitFor("the firehose to have seen all 6", async () => {
        const current = await view(id);
        return current.result && current.result.both === 6 ? current : undefined;
      }, 30_000, 200);
      expect(agreed.result).toMatchObject({ both: 6, actorsOnly: { count: 0 }, brokerOnly: { count: 0 }, confirmed: true });

      // A job on the scenario's queue that no producer reports.
      const connection = await connectAmqp(urls.rabbitmq, { clientProperties: { connection_name: "behind-their-backs" } });
      try {
        const channel = await connection.createConfirmChannel();
        channel.sendToQueue(testNames.name(JOB_QUEUE), Buffer.from(JSON.stringify({ to: "eve@example.com" })), { messageId: "hidden-3", persistent: true });
        await channel.waitForConfirms();
      } finally {
        await connection.close();
      }
      const found = await waitFor("the hidden publish to be found", async () => {
        const current = await view(id);
        return current.result && current.result.brokerOnly.count > 0 ? current : undefined;
      }, 30_000, 200);
      expect(found.result).toMatchObject({ both: 6, actorsOnly: { count: 0 }, brokerOnly: { count: 1, ids: ["hidden-3"] }, confirmed: false });

      // Acks are not in the firehose: the management API's counters, refreshed every few seconds, have them.
      // Its totals (acked) and its depths (unacked) are sampled apart, so one can lead the other for a refresh.
      const counted = await waitFor("the queue's counters to show the acks, and nothing held", async () => {
        const jobs = (await view(id)).queues?.find((q) => q.queue === JOB_QUEUE);
        return jobs && jobs.acked >= 7 && jobs.ready === 0 && jobs.unacked === 0 ? jobs : undefined;
      }, 30_000, 500);
      expect(counted).toMatchObject({ queue: JOB_QUEUE, ready: 0, unacked: 0 });
      expect(counted.delivered).toBeGreaterThanOrEqual(7);
    } finally {
      await api(server.base, "POST", `/api/scenarios/${id}/stop`);
    }
  }, 90_000);
});
