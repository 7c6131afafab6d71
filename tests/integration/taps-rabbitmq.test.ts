import { connect, type ChannelModel } from "amqplib";
import { createServer, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isMessageHop, type MessageHop } from "../../lib/protocol";
import { vhostOfAmqpUrl } from "../../lib/rabbitmq-firehose";
import { holdTracing, RabbitManagement } from "../../server/brokers/rabbitmq-management";
import { loadConfig } from "../../server/config";
import { api, hopscopeForFile, startHopscope, TEST_NAMESPACE, waitFor } from "./harness";

/**
 * A plain amqplib script's traffic, not an actor's: the RabbitMQ tap must show it from the
 * firehose alone, each end named by the connection name its client gave it.
 */
const server = hopscopeForFile();
const config = loadConfig({ ...process.env, PORT: "0" });
const urls = config.urls;
const management = new RabbitManagement(config.rabbitmqManagement);
const vhost = vhostOfAmqpUrl(urls.rabbitmq);
const queue = `${TEST_NAMESPACE}.taps.billing-jobs`;
const untapped = `${TEST_NAMESPACE}.taps.elsewhere`;

async function tapped(): Promise<MessageHop[]> {
  const { body } = await api<{ hops: MessageHop[] }>(server.base, "GET", "/api/observe/hops?since=0");
  return body.hops.filter((h): h is MessageHop => isMessageHop(h) && h.source === "tap" && h.broker === "rabbitmq");
}

const opened: ChannelModel[] = [];
async function app(name: string): Promise<ChannelModel> {
  const connection = await connect(urls.rabbitmq, { clientProperties: { connection_name: name } });
  connection.on("error", () => undefined);
  opened.push(connection);
  return connection;
}

let tracingBefore = false;
beforeAll(async () => {
  tracingBefore = await management.tracing(vhost);
  const admin = await app("taps-test-admin");
  const channel = await admin.createChannel();
  for (const q of [queue, untapped]) {
    await channel.deleteQueue(q);
    await channel.assertQueue(q, { durable: false });
  }
});

afterAll(async () => {
  const admin = await app("taps-test-admin");
  const channel = await admin.createChannel();
  for (const q of [queue, untapped]) await channel.deleteQueue(q).catch(() => undefined);
  await Promise.allSettled(opened.map((c) => c.close()));
});

describe("RabbitMQ tap", () => {
  test("publishes from billing-app to the queue and deliveries to worker-app show, a requeued one flagged as redelivered; the firehose goes back off", async () => {
    const set = await api<{ ok: boolean; result: { since: number | null; targets: { rabbitmq: string[] } } }>(server.base, "POST", "/api/observe/taps", { rabbitmq: [queue] });
    expect(set.status).toBe(200);
    expect(set.body.result.targets.rabbitmq).toEqual([queue]);
    expect(await management.tracing(vhost)).toBe(true);
    try {
      const billing = await (await app("billing-app")).createConfirmChannel();
      await new Promise<void>((resolve, reject) => billing.sendToQueue(queue, Buffer.from('{"invoice":1}'), { messageId: "invoice-1", headers: { "hopscope-trace-id": "order-1" } }, (error) => (error ? reject(error as Error) : resolve())));
      await new Promise<void>((resolve, reject) => billing.sendToQueue(untapped, Buffer.from("not tapped"), { messageId: "elsewhere-1" }, (error) => (error ? reject(error as Error) : resolve())));

      const worker = await (await app("worker-app")).createChannel();
      await worker.prefetch(1);
      let deliveries = 0;
      const settled = new Promise<void>((resolve) => {
        void worker.consume(queue, (msg) => {
          if (!msg) return;
          deliveries += 1;
          // Refused once and put back: the broker hands it out again, marked redelivered.
          if (deliveries === 1) return worker.nack(msg, false, true);
          worker.ack(msg);
          resolve();
        });
      });
      await settled;

      const hops = await waitFor("a publish and two deliveries", async () => {
        const seen = await tapped();
        return seen.filter((h) => h.message.id === "invoice-1").length >= 3 ? seen : undefined;
      }, 20_000, 200);
      const invoice = hops.filter((h) => h.message.id === "invoice-1");
      expect(invoice.map((h) => [h.kind, h.from, h.to, h.message.redelivered])).toEqual([
        ["published", "billing-app", `rabbitmq:${queue}`, false],
        ["delivered", `rabbitmq:${queue}`, "worker-app", false],
        ["delivered", `rabbitmq:${queue}`, "worker-app", true],
      ]);
      expect(invoice[0]?.message).toMatchObject({ destination: queue, traceId: "order-1", preview: '{"invoice":1}' });
      expect(hops.some((h) => h.message.id === "elsewhere-1")).toBe(false);

      // A message without an id of its own is named by the tap.
      billing.sendToQueue(queue, Buffer.from("no id"));
      await billing.waitForConfirms();
      const anonymous = await waitFor("the id-less publish", async () => (await tapped()).find((h) => h.message.preview === "no id" && h.kind === "published"), 20_000, 200);
      expect(anonymous.message.id).toMatch(/^rabbitmq-tap-/);
      expect(anonymous.from).toBe("billing-app");
    } finally {
      const stopped = await api<{ result: { since: number | null } }>(server.base, "POST", "/api/observe/taps", {});
      expect(stopped.body.result.since).toBeNull();
    }
    expect(await management.tracing(vhost)).toBe(tracingBefore);
  }, 60_000);

  test("a tap whose connection RabbitMQ closes leaves the server answering, opens it again and sees on, and stops cleanly", async () => {
    expect((await api(server.base, "POST", "/api/observe/taps", { rabbitmq: [queue] })).status).toBe(200);
    const auth = { authorization: `Basic ${Buffer.from("guest:guest").toString("base64")}` };
    const base = new URL(config.rabbitmqManagement).origin;
    // The management API lists a connection with its next statistics round.
    const tap = await waitFor("the tap's connection to be listed", async () => {
      const list = (await (await fetch(`${base}/api/connections?columns=name,client_properties.connection_name`, { headers: auth })).json()) as { name: string; client_properties?: { connection_name?: string } }[];
      return list.find((c) => c.client_properties?.connection_name === "hopscope-tap");
    }, 15_000, 250);
    const closed = await fetch(`${base}/api/connections/${encodeURIComponent(tap.name)}`, { method: "DELETE", headers: { ...auth, "x-reason": "closed by a test" } });
    expect(closed.status).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await api(server.base, "GET", "/api/health")).status).toBe(200);
    // Published until one is seen: the tap's new queue is bound a moment after it reconnects.
    const billing = await (await app("billing-app")).createConfirmChannel();
    let sent = 0;
    await waitFor("a publish seen after the tap reconnected", async () => {
      billing.sendToQueue(queue, Buffer.from("{}"), { messageId: `after-${++sent}` });
      await billing.waitForConfirms();
      return (await tapped()).some((h) => h.message.id.startsWith("after-")) || undefined;
    }, 15_000, 500);
    const stopped = await api<{ result: { since: number | null } }>(server.base, "POST", "/api/observe/taps", {});
    expect(stopped.status).toBe(200);
    expect(stopped.body.result.since).toBeNull();
    expect(await management.tracing(vhost)).toBe(tracingBefore);
  }, 30_000);

  test("a server that shuts down with a RabbitMQ tap on switches the firehose back off", async () => {
    const other = await startHopscope();
    try {
      expect((await api(other.base, "POST", "/api/observe/taps", { rabbitmq: [queue] })).status).toBe(200);
      expect(await management.tracing(vhost)).toBe(true);
    } finally {
      await other.hopscope.close();
    }
    expect(await management.tracing(vhost)).toBe(tracingBefore);
  });

  test("a queue that does not exist is a 404 naming it; an unknown vhost's firehose is not switched on", async () => {
    const missing = await api<{ ok: boolean; error: { message: string } }>(server.base, "POST", "/api/observe/taps", { rabbitmq: [`${TEST_NAMESPACE}.taps.no-such-queue`] });
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toContain("no-such-queue");
    expect(await management.tracing(vhost)).toBe(tracingBefore);
  });

  test("a management API that does not answer is a 503 that says how to enable it", async () => {
    // A port that was free a moment ago: nothing answers there, as if the plugin were off.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, "127.0.0.1", () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const other = await startHopscope({ RABBITMQ_MANAGEMENT_URL: `http://guest:guest@127.0.0.1:${port}` });
    try {
      const answer = await api<{ ok: boolean; error: { message: string } }>(other.base, "POST", "/api/observe/taps", { rabbitmq: [queue] });
      expect(answer.status).toBe(503);
      expect(answer.body.error.message).toContain("rabbitmq-plugins enable rabbitmq_management");
      expect(answer.body.error.message).toContain("ECONNREFUSED");
      expect((await api<{ result: { since: number | null } }>(other.base, "GET", "/api/observe/taps")).body.result.since).toBeNull();
    } finally {
      await other.hopscope.close();
    }
  });

  test("the firehose stays on while anyone holds it, and is left on if it was on before the first", async () => {
    const first = await holdTracing(management, vhost);
    const second = await holdTracing(management, vhost);
    expect(await management.tracing(vhost)).toBe(true);
    await first();
    // Released twice, counted once.
    await first();
    expect(await management.tracing(vhost)).toBe(true);
    await second();
    expect(await management.tracing(vhost)).toBe(tracingBefore);

    if (!tracingBefore) {
      await management.setTracing(vhost, true);
      try {
        const hold = await holdTracing(management, vhost);
        await hold();
        expect(await management.tracing(vhost)).toBe(true);
      } finally {
        await management.setTracing(vhost, false);
      }
    }
  });
});
