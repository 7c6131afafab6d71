import { AckPolicy, connect, DeliverPolicy, headers, RetentionPolicy } from "nats";
import { describe, expect, test } from "vitest";
import { isMessageHop, type MessageHop } from "../../lib/protocol";
import { loadConfig } from "../../server/config";
import { parseAckSubject } from "../../server/taps";
import { api, hopscopeForFile, TEST_NAMESPACE, waitFor } from "./harness";

/**
 * A plain script's JetStream consumer acks, naks and terminates messages: the tap must show each
 * settle as the stream heard it, named by the message's own id, with no actor's report.
 */
const server = hopscopeForFile();
const urls = loadConfig({ ...process.env, PORT: "0" }).urls;
const stream = `${TEST_NAMESPACE}-taps-js`;
const subject = `${TEST_NAMESPACE}.taps-js.orders`;
const consumer = "plain-worker";

async function tapped(): Promise<MessageHop[]> {
  const { body } = await api<{ hops: MessageHop[] }>(server.base, "GET", "/api/observe/hops?since=0");
  return body.hops.filter((h): h is MessageHop => isMessageHop(h) && h.source === "tap");
}

describe("the JetStream tap", () => {
  test("acks, naks, terms and a message JetStream gives up on show as acked, nacked and dead-lettered hops of the message's own id", async () => {
    const nc = await connect({ servers: urls.nats });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(stream).catch(() => undefined);
    await jsm.streams.add({ name: stream, subjects: [`${TEST_NAMESPACE}.taps-js.>`], retention: RetentionPolicy.Limits });
    await jsm.consumers.add(stream, { durable_name: consumer, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, max_deliver: 2, ack_wait: 30_000_000_000 });
    try {
      const missing = await api<{ error: { message: string } }>(server.base, "POST", "/api/observe/taps", { jetstream: [`${stream}-nope`] });
      expect(missing.status).toBe(404);
      expect(missing.body.error.message).toContain(`${stream}-nope`);
      expect((await api(server.base, "POST", "/api/observe/taps", { jetstream: ["has.dot"] })).status).toBe(400);
      expect((await api(server.base, "POST", "/api/observe/taps", { jetstream: [stream] })).status).toBe(200);

      const js = nc.jetstream();
      for (const id of ["js-acked", "js-nacked", "js-termed"]) {
        const h = headers();
        h.set("Hopscope-Message-Id", id);
        await js.publish(subject, JSON.stringify({ orderId: id }), { headers: h });
      }
      const worker = await js.consumers.get(stream, consumer);
      const batch = await worker.fetch({ max_messages: 3, expires: 2_000 });
      for await (const msg of batch) {
        const id = msg.headers?.get("Hopscope-Message-Id");
        if (id === "js-acked") msg.ack();
        else if (id === "js-nacked") msg.nak();
        else msg.term();
      }
      // The nak'ed one comes back; nak'ed again on its last allowed delivery, JetStream gives up.
      const again = await worker.fetch({ max_messages: 1, expires: 3_000 });
      for await (const msg of again) msg.nak();
      // JetStream notices it has nothing left to give when a worker next asks.
      const none = await worker.fetch({ max_messages: 1, expires: 1_500 });
      for await (const msg of none) msg.ack();
      await nc.flush();

      const hops = await waitFor("the settles and the give-up", async () => {
        const seen = await tapped();
        return seen.some((h) => h.kind === "dead-lettered" && h.message.id === "js-nacked") ? seen : undefined;
      }, 20_000, 200);
      const of = (id: string) => hops.filter((h) => h.message.id === id).map((h) => `${h.kind}@${h.message.attempt}`);
      expect(of("js-acked")).toEqual(["acked@1"]);
      expect(of("js-termed")).toEqual(["dead-lettered@1"]);
      expect(of("js-nacked")).toEqual(["nacked@1", "nacked@2", "dead-lettered@2"]);
      const give = hops.find((h) => h.kind === "dead-lettered" && h.message.id === "js-nacked");
      expect(give?.reason).toContain("gave up after 2 deliveries");
      expect(give?.message.redelivered).toBe(true);
      expect(hops.every((h) => h.broker === "nats" && h.from === `nats:${stream}/${consumer}` && h.to === `nats:${stream}`)).toBe(true);
    } finally {
      await api(server.base, "POST", "/api/observe/taps", {});
      await jsm.streams.delete(stream).catch(() => undefined);
      await nc.close();
    }
  }, 60_000);

  test("an ack subject is read for its stream, consumer, deliveries and sequence", () => {
    expect(parseAckSubject("$JS.ACK.ORDERS.worker.3.41.40.1733600000000000000.2")).toEqual({ stream: "ORDERS", consumer: "worker", deliveries: 3, streamSeq: 41 });
    expect(parseAckSubject("$JS.ACK.ORDERS.worker.x.41.40.1.0")).toBeNull();
    expect(parseAckSubject("$JS.EVENT.ADVISORY.X.Y.1.2.3.4")).toBeNull();
  });
});
