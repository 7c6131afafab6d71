"use client";
import type { Flight } from "../animation";
import { DEFAULT_PACE } from "../animation";
import { comparisonViewAt, type ComparisonRecording } from "../comparison-recording";
import type { ComparisonView } from "../comparisons";
import type { Hop } from "../protocol";
import { stateAt, type Recording } from "../recording";
import type { ScenarioView } from "./store";

const LOG_CAPACITY = 2_000;
const SEQUENCE_ROWS = 36;

/**
 * Plays recorded hops without any broker: a cursor moves over the recorded time, and the view
 * is what the live page showed at that moment, computed from the hops up to it. The same cursor
 * always gives the same picture, so a paused replay is a fixed frame.
 */
export abstract class ReplayClock<View> {
  private cursorMs: number;
  private playing = false;
  protected speed = 1;
  private frame: number | null = null;
  private lastFrameAt = 0;
  private view: View | null = null;
  private listeners = new Set<() => void>();
  private readonly duration: number;
  /** Each hop's time from the start, ascending: the cursor finds its place by binary search. */
  private readonly offsets: number[];

  /** `hops` by time: every hop the replay steps through. */
  protected constructor(
    protected readonly hops: readonly Hop[],
    atMs: number,
  ) {
    const start = hops[0]?.at ?? 0;
    this.offsets = hops.map((h) => h.at - start);
    this.duration = this.offsets[this.offsets.length - 1] ?? 0;
    this.cursorMs = this.clamp(atMs);
  }

  /** The picture at the cursor, after the first `count` hops. */
  protected abstract build(count: number): View;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  current = (): View => {
    this.view ??= this.build(this.indexAt(this.cursorMs));
    return this.view;
  };

  get durationMs(): number {
    return this.duration;
  }

  get positionMs(): number {
    return this.cursorMs;
  }

  get isPlaying(): boolean {
    return this.playing;
  }

  seek(ms: number): void {
    this.cursorMs = this.clamp(ms);
    this.changed();
  }

  setSpeed(speed: number): void {
    this.speed = Math.min(1, Math.max(0.1, speed));
    this.changed();
  }

  setPaused(paused: boolean): void {
    if (paused) this.pause();
    else this.play();
  }

  play(): void {
    if (this.playing) return;
    if (this.cursorMs >= this.duration) this.cursorMs = 0;
    this.playing = true;
    this.lastFrameAt = performance.now();
    const tick = () => {
      const now = performance.now();
      this.cursorMs = this.clamp(this.cursorMs + (now - this.lastFrameAt) * this.speed);
      this.lastFrameAt = now;
      if (this.cursorMs >= this.duration) this.playing = false;
      this.changed();
      this.frame = this.playing ? requestAnimationFrame(tick) : null;
    };
    this.frame = requestAnimationFrame(tick);
    this.changed();
  }

  pause(): void {
    this.playing = false;
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
    this.changed();
  }

  /** To the next hop after the cursor, or back to the moment before the last hop shown. */
  step(direction: 1 | -1 = 1): void {
    this.pause();
    const index = this.indexAt(this.cursorMs);
    if (direction === 1) {
      const next = this.offsets[index];
      if (next !== undefined) this.seek(next);
      return;
    }
    // Hops can share a moment (a burst): go back past all of them at once.
    const current = this.offsets[index - 1];
    if (current === undefined) return this.seek(0);
    let previous = index - 2;
    while (previous >= 0 && (this.offsets[previous] ?? 0) >= current) previous--;
    this.seek(previous >= 0 ? (this.offsets[previous] ?? 0) : 0);
  }

  toEnd(): void {
    this.pause();
    this.seek(this.duration);
  }

  dispose(): void {
    this.pause();
    this.listeners.clear();
  }

  /** Each hop's time from the first, for the dots in flight. */
  protected offsetOf(index: number): number {
    return this.offsets[index] ?? 0;
  }

  private clamp(ms: number): number {
    return Math.min(this.duration, Math.max(0, Number.isFinite(ms) ? ms : 0));
  }

  /** How many hops lie at or before `ms`. */
  protected indexAt(ms: number): number {
    let low = 0;
    let high = this.offsets.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((this.offsets[mid] ?? 0) <= ms) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private changed(): void {
    this.view = null;
    for (const listener of this.listeners) listener();
  }
}

/** One scenario's recording, replayed as its live page. */
export class ReplayStore extends ReplayClock<ScenarioView> {
  constructor(
    readonly recording: Recording,
    atMs = 0,
  ) {
    super(recording.hops, atMs);
  }

  /** Dots for hops that started within one flight time before the cursor; none when still. */
  flights = (): readonly Flight<Hop>[] => {
    if (!this.isPlaying) return [];
    const travel = DEFAULT_PACE.travelMs;
    const now = performance.now();
    const cursor = this.positionMs;
    const end = this.indexAt(cursor);
    const out: Flight<Hop>[] = [];
    for (let i = end - 1; i >= 0; i--) {
      const age = (cursor - this.offsetOf(i)) / this.speed;
      if (age > travel) break;
      const hop = this.hops[i];
      if (hop) out.push({ item: hop, startAt: now - age, endAt: now - age + travel });
    }
    return out;
  };

  protected build(count: number): ScenarioView {
    const { header, hops } = this.recording;
    const seen = hops.slice(0, count);
    return {
      id: header.scenario.id,
      info: header.scenario,
      state: stateAt(this.recording, count),
      log: seen.slice(-LOG_CAPACITY),
      totalHops: count,
      lastSeq: seen[seen.length - 1]?.seq ?? 0,
      revealed: seen.slice(-SEQUENCE_ROWS),
      skipped: 0,
      lagMs: 0,
      hopsPerSecond: 0,
      error: null,
      speed: this.speed,
      paused: !this.isPlaying,
      backlog: hops.length - count,
    };
  }
}

/** A comparison's recording, replayed as its live page: every side on one clock. */
export class ComparisonReplayStore extends ReplayClock<ComparisonView> {
  constructor(
    readonly recording: ComparisonRecording,
    atMs = 0,
  ) {
    super(recording.hops, atMs);
  }

  protected build(): ComparisonView {
    return comparisonViewAt(this.recording, this.positionMs);
  }
}
