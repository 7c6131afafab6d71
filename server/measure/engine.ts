/**
 * "Measure on this machine": each broker path with its official client and nothing of Hopscope
 * in it, so the guide can show what the broker itself does here. One path at a time, each with
 * its own receiver process; a broker that is down costs a probe's timeout and the run goes on.
 */
import { idsToMeasure, latencyFigure, stepsOf, throughputFigure, type LatencyFigure } from "../../lib/measure-figures";
import { MEASURE_LABELS, MEASUREMENTS_FORMAT, measureSettingsSchema, type MeasureId, type MeasurementSet, type MeasureResult, type MeasureRun, type MeasureSettings } from "../../lib/measurements";
import { loadConfig } from "../config";
import { describeMachine } from "./machine";
import { measureNames, newRunId } from "./names";
import { hostNow } from "./payload";
import { pump, type PumpOutcome, type PumpPlan } from "./pump";
import { prepareReceiverBundle, ReceiverProcess } from "./receiver-process";
import { messageOf, sleep, withTimeout } from "./timeout";
import type { BrokerUrls, MeasureContext, Sender, Transport } from "./transport";
import { transportOf } from "./transports";

const PROBE_TIMEOUT_MS = 2_000;
const PREPARE_TIMEOUT_MS = 15_000;
/** tsx compiling the receiver, its connection and, for Kafka, joining the group. */
const RECEIVER_READY_TIMEOUT_MS = 30_000;
const SENDER_TIMEOUT_MS = 10_000;
const CLOSE_TIMEOUT_MS = 8_000;
const CLEANUP_TIMEOUT_MS = 15_000;
const IPC_TIMEOUT_MS = 5_000;
/** How long the receiver waits for the last of the paced messages once sending stopped. */
const STRAGGLER_WAIT_MS = 3_000;
/** What may still be in flight once the sender stops. */
const IN_FLIGHT_GRACE_MS = 10_000;
/** Connections, JIT and a consumer's first fetch, paid before anything is timed. */
const WARM_UP_MS = 300;
const DEFAULT_WINDOW = 256;
/** Per path: Kafka batches what waits while a produce request is out, so it needs room to batch. */
const WINDOWS: Partial<Record<MeasureId, number>> = { kafka: 2_000 };

const BROKER_NAMES: Record<keyof BrokerUrls, string> = { nats: "NATS", rabbitmq: "RabbitMQ", redis: "Redis", kafka: "Kafka" };
const BROKER_OF: Record<MeasureId, keyof BrokerUrls | null> = {
  "nats-request-reply": "nats",
  "nats-pubsub": "nats",
  "nats-jetstream": "nats",
  rabbitmq: "rabbitmq",
  "redis-pubsub": "redis",
  "redis-streams": "redis",
  kafka: "kafka",
  "grpc-unary": null,
};

export interface MeasureOptions {
  /** The brokers; by default as the server's configuration reads them from the environment. */
  urls?: BrokerUrls;
  /** Names every broker object of the run; a fresh one by default. */
  runId?: string;
  /** Stops the run between steps and ends sending at once; what was created is still deleted. */
  signal?: AbortSignal;
}

interface Phases {
  latency: boolean;
  throughput: boolean;
}

interface StepReporter {
  /** A step begins: what it measures, in words. */
  begin(current: string): void;
  /** A step ended, with or without a figure. */
  end(): void;
}

class Aborted extends Error {
  constructor() {
    super("the run was stopped");
  }
}

/** Rejects as soon as the run is stopped, so a stop does not wait out a slow start-up. */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new Aborted());
  return Promise.race([promise, new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(new Aborted()), { once: true }))]);
}

function windowOf(id: MeasureId): number {
  return WINDOWS[id] ?? DEFAULT_WINDOW;
}

/** The probe's error in words a presenter can act on. */
async function probe(transport: Transport, urls: BrokerUrls): Promise<void> {
  const broker = BROKER_OF[transport.id];
  try {
    await withTimeout(transport.probe(urls, PROBE_TIMEOUT_MS), PROBE_TIMEOUT_MS + 500, "the probe");
  } catch (error) {
    if (!broker) throw error;
    throw new Error(`${BROKER_NAMES[broker]} is not answering at ${urls[broker]} (${messageOf(error)})`);
  }
}

/** A send the broker refused (a nack, a timeout) ends the path's measurement: its figures would lie. */
function throwIfFailed(outcome: PumpOutcome): void {
  if (outcome.error !== null) throw outcome.error instanceof Error ? outcome.error : new Error(messageOf(outcome.error));
}

/** Sends paced at the latency rate and returns the samples, from the caller or from the receiver. */
async function latencyPhase(transport: Transport, sender: Sender, receiver: ReceiverProcess, settings: MeasureSettings, signal?: AbortSignal): Promise<{ figure: LatencyFigure | null; missing: number; sent: number }> {
  const roundTrips: number[] = [];
  await receiver.mark(!transport.roundTrip, IPC_TIMEOUT_MS);
  const plan: PumpPlan = {
    until: hostNow() + settings.latencySeconds * 1000,
    rate: settings.latencyRate,
    window: windowOf(transport.id),
    payloadBytes: settings.payloadBytes,
    onConfirmed: transport.roundTrip ? (ms) => roundTrips.push(ms) : undefined,
    signal,
  };
  const outcome = await withTimeout(pump(sender, plan), settings.latencySeconds * 1000 + IN_FLIGHT_GRACE_MS, "sending at the latency rate");
  throwIfFailed(outcome);
  const collected = await receiver.collect(outcome.sent, STRAGGLER_WAIT_MS);
  const samples = transport.roundTrip ? roundTrips : collected.latenciesMs;
  return { figure: latencyFigure(samples, transport.path), missing: Math.max(0, outcome.sent - collected.received), sent: outcome.sent };
}

/** Sends as fast as the window allows and counts, on the receiver's clock, what arrived over the window. */
async function throughputPhase(transport: Transport, sender: Sender, receiver: ReceiverProcess, settings: MeasureSettings, signal?: AbortSignal) {
  await receiver.mark(false, IPC_TIMEOUT_MS);
  const windowMs = settings.throughputSeconds * 1000;
  const sending = pump(sender, { until: hostNow() + windowMs, window: windowOf(transport.id), payloadBytes: settings.payloadBytes, signal });
  // Counted when sending stops, not once the last confirms are in: the window is all full pipe.
  const collected = await sleep(windowMs).then(() => receiver.collect(null, 0));
  const outcome = await withTimeout(sending, IN_FLIGHT_GRACE_MS, "the last sends");
  throwIfFailed(outcome);
  return throughputFigure(collected.received, collected.elapsedMs);
}

async function measureOne(id: MeasureId, settings: MeasureSettings, ctx: MeasureContext, phases: Phases, steps: StepReporter, signal?: AbortSignal): Promise<MeasureResult> {
  const transport = transportOf(id);
  const label = MEASURE_LABELS[id];
  const result: MeasureResult = { id, label, latency: null, throughput: null };
  const stepsLeft = { latency: phases.latency, throughput: phases.throughput };
  const errors: string[] = [];
  let receiver: ReceiverProcess | null = null;
  let sender: Sender | null = null;
  let prepared = false;
  try {
    steps.begin(`${label}: connecting`);
    await probe(transport, ctx.urls);
    if (transport.prepare) {
      prepared = true;
      await withTimeout(transport.prepare(ctx), PREPARE_TIMEOUT_MS, "creating the run's broker objects");
    }
    receiver = new ReceiverProcess({ id, runId: ctx.names.runId, urls: ctx.urls });
    const info = await withTimeout(unlessAborted(receiver.ready, signal), RECEIVER_READY_TIMEOUT_MS, "the receiver process starting");
    const connecting = transport.sender(ctx, info);
    sender = await withTimeout(unlessAborted(connecting, signal), SENDER_TIMEOUT_MS, "the sender connecting").catch((error: unknown) => {
      // A sender that connects after a stop or a timeout is closed, not left open.
      void connecting.then((late) => late.close()).catch(() => undefined);
      throw error;
    });
    const warmUp = await withTimeout(pump(sender, { until: hostNow() + WARM_UP_MS, rate: settings.latencyRate, window: windowOf(id), payloadBytes: settings.payloadBytes, signal }), WARM_UP_MS + IN_FLIGHT_GRACE_MS, "warming up");
    throwIfFailed(warmUp);
    await receiver.collect(warmUp.sent, STRAGGLER_WAIT_MS);

    if (phases.latency) {
      if (signal?.aborted) throw new Aborted();
      steps.begin(`${label}: latency at ${settings.latencyRate} msg/s for ${settings.latencySeconds} s`);
      const latency = await latencyPhase(transport, sender, receiver, settings, signal);
      result.latency = latency.figure;
      if (!latency.figure) errors.push("no message arrived while latency was sampled");
      else if (latency.missing > 0) errors.push(`${latency.missing} of ${latency.sent} messages had not arrived ${STRAGGLER_WAIT_MS / 1000} s after the last was sent`);
      stepsLeft.latency = false;
      steps.end();
    }
    if (phases.throughput) {
      if (signal?.aborted) throw new Aborted();
      steps.begin(`${label}: throughput for ${settings.throughputSeconds} s`);
      result.throughput = await throughputPhase(transport, sender, receiver, settings, signal);
      if (!result.throughput || result.throughput.messages === 0) errors.push("no message arrived while throughput was counted");
      stepsLeft.throughput = false;
      steps.end();
    }
  } catch (error) {
    errors.push(messageOf(error));
  } finally {
    // Steps that never ran still count as done: the run's progress must reach its total.
    if (stepsLeft.latency) steps.end();
    if (stepsLeft.throughput) steps.end();
    if (sender) await withTimeout(sender.close(), CLOSE_TIMEOUT_MS, "the sender closing").catch(() => undefined);
    await receiver?.close(CLOSE_TIMEOUT_MS);
    if (prepared && transport.cleanup) {
      await withTimeout(transport.cleanup(ctx), CLEANUP_TIMEOUT_MS, "deleting the run's broker objects").catch((error: unknown) => errors.push(`cleanup: ${messageOf(error)}`));
    }
  }
  if (errors.length > 0) result.error = errors.join("; ");
  return result;
}

function contextOf(options: MeasureOptions): MeasureContext {
  return { urls: options.urls ?? loadConfig(process.env).urls, names: measureNames(options.runId ?? newRunId()) };
}

/**
 * Measures every path the settings name, one after the other, and reports progress at each
 * step. Never rejects for a broker: its result carries the error instead.
 */
export async function runMeasurements(input: Partial<MeasureSettings>, onProgress: (run: MeasureRun) => void = () => undefined, options: MeasureOptions = {}): Promise<MeasurementSet> {
  const settings = measureSettingsSchema.parse(input);
  const ctx = contextOf(options);
  const started = Date.now();
  const run: MeasureRun = { state: "running", startedAt: new Date(started).toISOString(), done: 0, total: stepsOf(settings), current: null };
  const report = () => onProgress({ ...run });
  const steps: StepReporter = {
    begin(current) {
      run.current = current;
      report();
    },
    end() {
      run.done = Math.min(run.total, run.done + 1);
      report();
    },
  };
  report();
  await prepareReceiverBundle();
  const results: MeasureResult[] = [];
  for (const id of idsToMeasure(settings)) {
    if (options.signal?.aborted) {
      results.push({ id, label: MEASURE_LABELS[id], latency: null, throughput: null, error: new Aborted().message });
      steps.end();
      steps.end();
      continue;
    }
    results.push(await measureOne(id, settings, ctx, { latency: true, throughput: true }, steps, options.signal));
  }
  const set: MeasurementSet = {
    format: MEASUREMENTS_FORMAT,
    version: 1,
    machine: describeMachine(),
    measuredAt: run.startedAt,
    durationMs: Date.now() - started,
    settings: { latencyRate: settings.latencyRate, latencySeconds: settings.latencySeconds, throughputSeconds: settings.throughputSeconds, payloadBytes: settings.payloadBytes },
    results,
  };
  Object.assign(run, { state: "done", current: null, result: set });
  report();
  return set;
}

/**
 * One path's bare latency, for a benchmark that sets it beside what Hopscope shows for the same
 * broker in the same run. Rejects with the reason when there is no figure.
 */
export async function measureLatency(id: MeasureId, input: Partial<MeasureSettings> = {}, options: MeasureOptions = {}): Promise<LatencyFigure> {
  const settings = measureSettingsSchema.parse(input);
  const quiet: StepReporter = { begin: () => undefined, end: () => undefined };
  await prepareReceiverBundle();
  const result = await measureOne(id, settings, contextOf(options), { latency: true, throughput: false }, quiet, options.signal);
  if (!result.latency) throw new Error(`${MEASURE_LABELS[id]}: ${result.error ?? "no latency figure"}`);
  return result.latency;
}

/** The run's objects still on the brokers: none once a run is over, whatever happened in it. */
export async function leftovers(runId: string, urls: BrokerUrls = loadConfig(process.env).urls): Promise<string[]> {
  const ctx: MeasureContext = { urls, names: measureNames(runId) };
  const found = await Promise.all(idsToMeasure({}).map((id) => transportOf(id).remains?.(ctx) ?? Promise.resolve([])));
  return [...new Set(found.flat())];
}
