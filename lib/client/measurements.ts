"use client";
import { useCallback, useEffect, useRef, useState } from "react";
import { z } from "zod";
import { measureRunSchema, measurementSetSchema, type MeasureRun, type MeasurementSet } from "../measurements";
import { presenterHeaders } from "./socket";

/** Often enough for the progress bar to move with each step, rarely enough to cost the run nothing. */
const POLL_MS = 500;
/** The set that ships with Hopscope, for a server without the measurements API. */
const SHIPPED_PATH = "/measurements/dev-machine.json";

const failureSchema = z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) });
const overviewSchema = z.object({
  ok: z.literal(true),
  result: z.object({ shipped: measurementSetSchema.nullable(), latest: measurementSetSchema.nullable(), run: measureRunSchema.nullable() }),
});
const runSchema = z.object({ ok: z.literal(true), result: measureRunSchema });

export interface MeasurementsView {
  shipped: MeasurementSet | null;
  latest: MeasurementSet | null;
  run: MeasureRun | null;
  /** Set once the first answer (or failure) is in. */
  loaded: boolean;
  /** Why the server's figures could not be read, or why a run could not start or ended. */
  error: string | null;
  /** Something to know that is not a failure, e.g. that the run shown was started elsewhere. */
  notice: string | null;
  /** The server has no measurements API: the shipped set was read as a static file instead. */
  offline: boolean;
}

export interface MeasurementsActions {
  measure(): Promise<void>;
}

type Answer<T> = { ok: true; value: T } | { ok: false; status: number; message: string };

/** One call to the API, its body checked against the contract; every failure becomes a sentence. */
async function call<T>(path: string, schema: z.ZodType<{ ok: true; result: T }>, init?: RequestInit): Promise<Answer<T>> {
  let res: Response;
  try {
    res = await fetch(path, { cache: "no-store", ...init });
  } catch {
    return { ok: false, status: 0, message: "The Hopscope server did not answer. Is it still running?" };
  }
  const body: unknown = await res.json().catch(() => null);
  const parsed = schema.safeParse(body);
  if (res.ok && parsed.success) return { ok: true, value: parsed.data.result };
  const failure = failureSchema.safeParse(body);
  if (failure.success) return { ok: false, status: res.status, message: failure.data.error.message };
  return { ok: false, status: res.status, message: res.ok ? "The server answered with figures this page cannot read." : `The server answered ${res.status}.` };
}

async function readShipped(): Promise<MeasurementSet | null> {
  try {
    const res = await fetch(SHIPPED_PATH);
    if (!res.ok) return null;
    const parsed = measurementSetSchema.safeParse(await res.json());
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * The figures measured on this machine and those that ship, and the one action: measure again.
 * A run in progress (started here or by anyone else) is followed until it ends.
 */
export function useMeasurements(): { view: MeasurementsView; actions: MeasurementsActions } {
  const [view, setView] = useState<MeasurementsView>({ shipped: null, latest: null, run: null, loaded: false, error: null, notice: null, offline: false });
  const [polling, setPolling] = useState(false);
  const live = useRef(true);

  useEffect(() => {
    live.current = true;
    void (async () => {
      const answer = await call("/api/measurements", overviewSchema);
      if (!live.current) return;
      if (answer.ok) {
        const { shipped, latest, run } = answer.value;
        setView({ shipped, latest, run, loaded: true, error: null, notice: null, offline: false });
        if (run?.state === "running") setPolling(true);
        return;
      }
      // Without the API, the shipped set is still a static file: the guide keeps its numbers.
      const shipped = await readShipped();
      if (!live.current) return;
      const missing = answer.status === 404;
      setView({ shipped, latest: null, run: null, loaded: true, error: missing ? null : answer.message, notice: null, offline: missing });
    })();
    return () => {
      live.current = false;
    };
  }, []);

  useEffect(() => {
    if (!polling) return;
    let stopped = false;
    const poll = async () => {
      const answer = await call("/api/measurements/run", runSchema);
      if (stopped) return;
      if (!answer.ok) {
        setView((v) => ({ ...v, notice: null, error: answer.status === 404 ? "The run is no longer known to the server." : answer.message }));
        setPolling(false);
        return;
      }
      const run = answer.value;
      const running = run.state === "running";
      setView((v) => ({
        ...v,
        run,
        latest: run.state === "done" && run.result ? run.result : v.latest,
        error: run.state === "failed" ? `The run failed: ${run.error ?? "no reason given"}` : v.error,
        notice: running ? v.notice : null,
      }));
      if (running) timer = setTimeout(() => void poll(), POLL_MS);
      else setPolling(false);
    };
    let timer = setTimeout(() => void poll(), POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [polling]);

  const measure = useCallback(async () => {
    setView((v) => ({ ...v, error: null, notice: null }));
    const answer = await call("/api/measurements", runSchema, {
      method: "POST",
      headers: { "content-type": "application/json", ...presenterHeaders() },
      body: "{}",
    });
    if (!live.current) return;
    if (answer.ok) {
      setView((v) => ({ ...v, run: answer.value, offline: false }));
      setPolling(true);
    } else if (answer.status === 409) {
      // Someone else's run: follow it rather than start another.
      setView((v) => ({ ...v, notice: "A run is already going, started from another browser or the command line: following it." }));
      setPolling(true);
    } else if (answer.status === 404) {
      setView((v) => ({ ...v, offline: true, error: "This server cannot measure: it has no measurements API." }));
    } else setView((v) => ({ ...v, error: answer.message }));
  }, []);

  return { view, actions: { measure } };
}
