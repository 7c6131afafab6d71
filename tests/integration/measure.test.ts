import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MEASURE_IDS, measurementSetSchema, type MeasurementSet, type MeasureRun } from "../../lib/measurements";
import { createHopscope, type Hopscope } from "../../server/app";
import { loadConfig } from "../../server/config";
import { leftovers, newRunId, runMeasurements } from "../../server/measure";
import { SCENARIOS } from "../../server/scenarios";
import { api, rawRequest, TEST_NAMESPACE, waitFor } from "./harness";

/** Short enough for the suite, long enough for a few hundred samples a path. */
const SHORT = { latencySeconds: 0.5, throughputSeconds: 0.5, latencyRate: 200 };

type Envelope<T> = { ok: true; result: T } | { ok: false; error: { code: string; message: string } };

describe("measure on this machine", () => {
  it("measures every path with its bare client, and leaves nothing of the run on the brokers", { timeout: 180_000 }, async () => {
    const runId = newRunId();
    const progress: MeasureRun[] = [];
    const set = await runMeasurements(SHORT, (run) => progress.push(run), { runId });

    expect(measurementSetSchema.safeParse(set).success).toBe(true);
    expect(set.results.map((r) => r.id)).toEqual([...MEASURE_IDS]);
    for (const result of set.results) {
      expect(result.error, result.id).toBeUndefined();
      expect(result.latency?.p50Ms, result.id).toBeGreaterThan(0);
      expect(result.latency?.p99Ms, result.id).toBeGreaterThanOrEqual(result.latency?.p50Ms ?? Infinity);
      expect(result.latency?.samples, result.id).toBeGreaterThan(50);
      expect(result.throughput?.messagesPerSecond, result.id).toBeGreaterThan(0);
    }

    const done = progress.map((run) => run.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({ state: "done", done: MEASURE_IDS.length * 2, total: MEASURE_IDS.length * 2, current: null });
    expect(await leftovers(runId)).toEqual([]);
  });

  it("reports a broker that is down, and goes on to the next", { timeout: 60_000 }, async () => {
    const urls = { ...loadConfig(process.env).urls, redis: "redis://127.0.0.1:1" };
    const started = Date.now();
    const set = await runMeasurements({ ...SHORT, only: ["redis-pubsub", "nats-pubsub"] }, undefined, { urls });
    const [nats, redis] = set.results;
    expect(redis).toMatchObject({ id: "redis-pubsub", latency: null, throughput: null });
    expect(redis?.error).toMatch(/Redis is not answering at redis:\/\/127\.0\.0\.1:1/);
    expect(nats?.throughput?.messagesPerSecond).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  describe("API", () => {
    let hopscope: Hopscope;
    let base: string;
    let dir: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "hopscope-measure-"));
      const config = loadConfig({ ...process.env, PORT: "0", HOST: "127.0.0.1", HOPSCOPE_NAMESPACE: TEST_NAMESPACE });
      hopscope = await createHopscope({ config, scenarios: SCENARIOS, healthIntervalMs: 500, measurementFiles: { shipped: join(dir, "shipped.json"), latest: join(dir, "latest.json") } });
      const address = await hopscope.listen(0, "127.0.0.1");
      base = `http://127.0.0.1:${address.port}`;
    });

    afterAll(async () => {
      await hopscope?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it("starts one run at a time, names a bad field, and saves the run as the latest set", { timeout: 60_000 }, async () => {
      expect((await api(base, "GET", "/api/measurements/run")).status).toBe(404);
      const before = await api<Envelope<{ shipped: unknown; latest: unknown; run: unknown }>>(base, "GET", "/api/measurements");
      expect(before).toEqual({ status: 200, body: { ok: true, result: { shipped: null, latest: null, run: null } } });

      const bad = await api<Envelope<unknown>>(base, "POST", "/api/measurements", { latencyRate: 1 });
      expect(bad.status).toBe(400);
      expect(bad.body.ok ? "" : bad.body.error.message).toMatch(/^latencyRate:/);
      const unknownField = await api<Envelope<unknown>>(base, "POST", "/api/measurements", { seconds: 3 });
      expect(unknownField.status).toBe(400);

      const started = await api<Envelope<MeasureRun>>(base, "POST", "/api/measurements", { ...SHORT, only: ["nats-pubsub"] });
      expect(started.status).toBe(202);
      expect(started.body).toMatchObject({ ok: true, result: { state: "running", done: 0, total: 2 } });
      const again = await api<Envelope<MeasureRun>>(base, "POST", "/api/measurements", {});
      expect(again.status).toBe(409);
      expect(again.body.ok ? "" : again.body.error.message).toMatch(/already going/);

      const finished = await waitFor("the run to end", async () => {
        const run = await api<Envelope<MeasureRun>>(base, "GET", "/api/measurements/run");
        return run.body.ok && run.body.result.state !== "running" ? run.body.result : undefined;
      }, 45_000, 200);
      expect(finished).toMatchObject({ state: "done", done: 2, total: 2 });
      const after = await api<Envelope<{ latest: MeasurementSet | null; run: MeasureRun | null }>>(base, "GET", "/api/measurements");
      const latest = after.body.ok ? after.body.result.latest : null;
      expect(latest?.results.map((r) => r.id)).toEqual(["nats-pubsub"]);
      expect(latest?.results[0]?.throughput?.messagesPerSecond).toBeGreaterThan(0);

      // An empty body is the defaults; the run it starts is stopped when the server closes.
      expect((await api(base, "POST", "/api/measurements", "")).status).toBe(202);
      expect((await rawRequest(base, "PUT", "/api/measurements", { host: new URL(base).host })).status).toBe(405);
    });
  });

  it("API: only the presenter starts a run when an audience can reach the server", async () => {
    const config = loadConfig({ ...process.env, PORT: "0", HOST: "0.0.0.0", HOPSCOPE_TOKEN: "presenter-token-of-the-test", HOPSCOPE_NAMESPACE: TEST_NAMESPACE });
    const hopscope = await createHopscope({ config, scenarios: SCENARIOS, healthIntervalMs: 500 });
    try {
      const address = await hopscope.listen(0, "127.0.0.1");
      const base = `http://127.0.0.1:${address.port}`;
      expect((await api(base, "POST", "/api/measurements", {})).status).toBe(403);
      expect((await api(base, "GET", "/api/measurements")).status).toBe(200);
    } finally {
      await hopscope.close();
    }
  });
});
