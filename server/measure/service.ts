/**
 * The server's side of "Measure on this machine": one run at a time, started by the presenter,
 * polled by the guide, and saved as the latest set when it ends.
 */
import { measureSettingsSchema, type MeasurementSet, type MeasureRun } from "../../lib/measurements";
import { describeZodError } from "../../lib/protocol";
import { fail, ok, type Result } from "../engine/result";
import { log } from "../log";
import { runMeasurements } from "./engine";
import { LATEST_MEASUREMENTS, readMeasurementSet, saveMeasurementSet, SHIPPED_MEASUREMENTS } from "./store";
import { messageOf } from "./timeout";
import type { BrokerUrls } from "./transport";

export interface MeasurementFiles {
  shipped: string;
  latest: string;
}

export interface MeasurementsView {
  shipped: MeasurementSet | null;
  latest: MeasurementSet | null;
  run: MeasureRun | null;
}

export class MeasurementService {
  private run: MeasureRun | null = null;
  private running: Promise<void> | null = null;
  private readonly abort = new AbortController();

  constructor(
    private readonly urls: BrokerUrls,
    private readonly files: MeasurementFiles = { shipped: SHIPPED_MEASUREMENTS, latest: LATEST_MEASUREMENTS },
  ) {}

  async view(): Promise<MeasurementsView> {
    const [shipped, latest] = await Promise.all([readMeasurementSet(this.files.shipped), readMeasurementSet(this.files.latest)]);
    return { shipped, latest, run: this.current() };
  }

  current(): MeasureRun | null {
    return this.run ? { ...this.run } : null;
  }

  /** Starts a run and answers at once with it; the guide polls for the rest. */
  start(body: unknown): Result<MeasureRun> {
    const parsed = measureSettingsSchema.safeParse(body);
    if (!parsed.success) return fail("bad-request", describeZodError(parsed.error));
    if (this.running) return fail("conflict", `A measurement run is already going (${this.run?.done ?? 0} of ${this.run?.total ?? 0} steps done); wait for it to end`);
    if (this.abort.signal.aborted) return fail("conflict", "The server is shutting down");
    // "done" only once the set is saved, so a guide that sees it done reads the new latest.
    const onProgress = (run: MeasureRun) => (this.run = run.state === "done" ? { ...run, state: "running", current: "Saving the results" } : run);
    this.running = runMeasurements(parsed.data, onProgress, { urls: this.urls, signal: this.abort.signal })
      .then(async (set) => {
        // A run stopped half-way is no measurement of this machine: the last full one stays.
        if (this.abort.signal.aborted) throw new Error("the server stopped before the run ended");
        await saveMeasurementSet(this.files.latest, set);
        if (this.run) this.run = { ...this.run, state: "done", current: null, result: set };
      })
      .catch((error: unknown) => {
        if (!this.abort.signal.aborted) log.error({ err: error }, "measurement run failed");
        if (this.run) this.run = { ...this.run, state: "failed", current: null, error: messageOf(error) };
      })
      .finally(() => (this.running = null));
    // runMeasurements reports its first progress synchronously, before its first await.
    return ok(this.current() ?? { state: "running", startedAt: new Date().toISOString(), done: 0, total: 1, current: null });
  }

  /** Stops a run that is going, and waits until it has deleted what it created on the brokers. */
  async close(): Promise<void> {
    this.abort.abort();
    await this.running;
  }
}
