import { connect } from "nats";
import { afterAll, describe, expect, test } from "vitest";
import { isMessageHop, OBSERVED_ID, type HopBatch, type ScenarioSnapshot } from "../../lib/protocol";
import { parseRecording } from "../../lib/recording";
import { unknownPublisher } from "../../lib/observed";
import { loadConfig } from "../../server/config";
import { api, hopscopeForFile, socketClient, TEST_NAMESPACE, waitFor } from "./harness";

/** A browser watches applications' own traffic as it watches a scenario: a snapshot, then batches. */
const server = hopscopeForFile();
const urls = loadConfig({ ...process.env, PORT: "0" }).urls;
const subject = `${TEST_NAMESPACE}.observe-watch.orders`;

afterAll(async () => {
  await api(server.base, "POST", "/api/observe/taps", {});
});

describe("watching the observed traffic", () => {
  test("a client watching `observe` gets its snapshot and then the tapped hops in batches, the presenter can lead there, and a recording of them parses", async () => {
    const client = socketClient(server.base);
    const batches: HopBatch[] = [];
    client.on("hops", (batch) => batches.push(batch));
    try {
      await new Promise<void>((resolve) => client.on("connect", () => resolve()));
      const watched = await client.timeout(5_000).emitWithAck("watch", { scenarioId: OBSERVED_ID });
      expect(watched.ok).toBe(true);
      const snapshot = (watched as { ok: true; result: ScenarioSnapshot }).result;
      expect(snapshot.scenario.id).toBe(OBSERVED_ID);
      expect(snapshot.state.actors).toEqual([]);
      // The presenter may lead the audience here, as to a scenario.
      const led = await client.timeout(5_000).emitWithAck("focus", { scenarioId: OBSERVED_ID, traceId: null });
      expect(led).toEqual({ ok: true, result: { scenarioId: OBSERVED_ID, traceId: null } });

      const set = await api(server.base, "POST", "/api/observe/taps", { nats: [subject] });
      expect(set.status).toBe(200);
      const nc = await connect({ servers: urls.nats });
      try {
        nc.publish(subject, "{}");
        await nc.flush();
      } finally {
        await nc.close();
      }

      const hop = await waitFor("the tapped hop in a batch", () => batches.flatMap((b) => b.hops).find((h) => isMessageHop(h) && h.message.destination === subject));
      expect(hop).toMatchObject({ scenarioId: OBSERVED_ID, kind: "published", from: unknownPublisher("nats"), to: `nats:${subject}`, source: "tap" });
      expect(batches.every((b) => b.scenarioId === OBSERVED_ID)).toBe(true);

      const res = await fetch(`${server.base}/api/scenarios/${OBSERVED_ID}/recording?since=${snapshot.lastSeq}`);
      expect(res.status).toBe(200);
      const recording = parseRecording(await res.text());
      expect(recording.ok).toBe(true);
      if (recording.ok) {
        expect(recording.recording.header.scenario.id).toBe(OBSERVED_ID);
        expect(recording.recording.hops.some((h) => h.seq === hop.seq)).toBe(true);
      }
    } finally {
      client.close();
    }
  });
});
