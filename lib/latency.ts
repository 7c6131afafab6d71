import type { LatencySummary, LegRule, MessageHop } from "./protocol";
import { RingBuffer } from "./ring";

/** Percentile by nearest rank over an ascending array. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? null;
}

/** Rolling latency over the most recent samples, so a long session's readout stays current. */
export class LatencyWindow {
  private samples: RingBuffer<number>;
  private count = 0;
  private lastMs: number | null = null;
  private cached: LatencySummary | null = null;

  constructor(capacity = 1000) {
    this.samples = new RingBuffer<number>(capacity);
  }

  add(ms: number): void {
    this.samples.push(ms);
    this.count++;
    this.lastMs = ms;
    this.cached = null;
  }

  /** Sorted only when a sample came in since the last call: it is read on every batch. */
  summary(): LatencySummary {
    if (!this.cached) {
      const sorted = this.samples.toArray().sort((a, b) => a - b);
      this.cached = { count: this.count, lastMs: this.lastMs, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
    }
    return this.cached;
  }

  reset(): void {
    this.samples.clear();
    this.count = 0;
    this.lastMs = null;
    this.cached = null;
  }
}

/**
 * Which hops' round trips the readout shows. A story reads only its first leg, the request it
 * waits on (the order's payment): a job's confirm or a broadcast's answer on another broker is
 * another measure, and mixing them would show no broker's latency at all.
 */
export function roundTripsOf(legs: readonly LegRule[] | undefined): (hop: MessageHop) => boolean {
  const first = legs?.[0];
  if (!first) return (hop) => hop.rttMs !== undefined;
  const timed = new Set(first.destinations);
  return (hop) => hop.rttMs !== undefined && timed.has(hop.message.destination);
}
