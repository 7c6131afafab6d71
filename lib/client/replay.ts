"use client";
import type { Flight } from "../animation";
import { DEFAULT_PACE } from "../animation";
import { LatencyWindow, roundTripsOf } from "../latency";
import { ledgerOf } from "../ledger";
import type { ActorState, Hop, ScenarioState } from "../protocol";
import { isMessageHop } from "../protocol";
import { durationOf, type Recording } from "../recording";
import type { ScenarioView } from "./store";

const LOG_CAPACITY = 2_000;
const SEQUENCE_ROWS = 36;

/**
 * Plays a recording without any broker: a cursor moves over the recorded time, and everything
 * on screen is what the live page showed at that moment, computed from the hops up to it. The
 * same cursor always gives the same picture, so a paused replay is a fixed frame.
 */
export class ReplayStore {
  private cursorMs: number;
  private playing = false;
  private speed = 1;
  private frame: number | null = null;
  private lastFrameAt = 0;
  private view: ScenarioView | null = null;
  private listeners = new Set<() => void>();
  private readonly start: number;
  private readonly duration: number;
  /** Each hop's time from the start, ascending: the cursor finds its place by binary search. */
  private readonly offsets: number[];
  /** Actors whose start is in the recording: before it, they are not on stage yet. */
  private readonly startedInRecording: Set<string>;
  /** Actors the recording has any actor hop of. */
  private readonly namedInRecording: Set<string>;

  constructor(
    readonly recording: Recording,
    atMs = 0,
  ) {
    this.start = recording.hops[0]?.at ?? 0;
    this.duration = durationOf(recording);
    this.offsets = recording.hops.map((h) => h.at - this.start);
    this.startedInRecording = new Set(recording.hops.flatMap((h) => (!isMessageHop(h) && h.kind === "actor-started" ? [h.actor.id] : [])));
    this.namedInRecording = new Set(recording.hops.flatMap((h) => (isMessageHop(h) ? [] : [h.actor.id])));
    this.cursorMs = this.clamp(atMs);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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

  scenarioView = (): ScenarioView => {
    this.view ??= this.build();
    return this.view;
  };

  /** Dots for hops that started within one flight time before the cursor; none when still. */
  flights = (): readonly Flight<Hop>[] => {
    if (!this.playing) return [];
    const travel = DEFAULT_PACE.travelMs;
    const now = performance.now();
    const end = this.indexAt(this.cursorMs);
    const out: Flight<Hop>[] = [];
    for (let i = end - 1; i >= 0; i--) {
      const age = (this.cursorMs - (this.offsets[i] ?? 0)) / this.speed;
      if (age > travel) break;
      const hop = this.recording.hops[i];
      if (hop) out.push({ item: hop, startAt: now - age, endAt: now - age + travel });
    }
    return out;
  };

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

  private clamp(ms: number): number {
    return Math.min(this.duration, Math.max(0, Number.isFinite(ms) ? ms : 0));
  }

  /** How many hops lie at or before `ms`. */
  private indexAt(ms: number): number {
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

  private build(): ScenarioView {
    const { header, hops } = this.recording;
    const count = this.indexAt(this.cursorMs);
    const seen = hops.slice(0, count);
    const latency = new LatencyWindow();
    const timesRoundTrip = roundTripsOf(header.rules.legs);
    for (const hop of seen) if (isMessageHop(hop) && hop.rttMs !== undefined && timesRoundTrip(hop)) latency.add(hop.rttMs);
    // The broker's own readings (queue depths, Kafka's assignment) were taken at the end: they
    // are shown there, and only there.
    const atEnd = count === hops.length;
    const { layout, ...rest } = header.state;
    const state: ScenarioState = {
      ...rest,
      ...(atEnd && layout ? { layout } : {}),
      gauges: atEnd ? header.state.gauges : {},
      running: true,
      actors: this.actorsAt(seen),
      ledger: ledgerOf(seen, header.rules),
      latency: latency.summary(),
      unavailable: null,
    };
    return {
      id: header.scenario.id,
      info: header.scenario,
      state,
      log: seen.slice(-LOG_CAPACITY),
      totalHops: count,
      lastSeq: seen[seen.length - 1]?.seq ?? 0,
      revealed: seen.slice(-SEQUENCE_ROWS),
      skipped: 0,
      lagMs: 0,
      hopsPerSecond: 0,
      error: null,
      speed: this.speed,
      paused: !this.playing,
      backlog: hops.length - count,
    };
  }

  /** Who was on stage at the cursor: started by then, and not yet killed or gone. */
  private actorsAt(seen: readonly Hop[]): ActorState[] {
    const started = new Set<string>();
    const ended = new Set<string>();
    const byId = new Map(this.recording.header.state.actors.map((a) => [a.id, a]));
    for (const hop of seen) {
      if (isMessageHop(hop)) continue;
      if (hop.kind === "actor-started") started.add(hop.actor.id);
      if (hop.kind === "actor-killed" || hop.kind === "actor-exited") ended.add(hop.actor.id);
      if (!byId.has(hop.actor.id)) byId.set(hop.actor.id, { id: hop.actor.id, role: hop.actor.role, pid: hop.actor.pid, alive: false, connected: false });
    }
    return [...byId.values()]
      .filter((a) => !this.startedInRecording.has(a.id) || started.has(a.id))
      .map((a) => {
        // An actor the recording says nothing about is as the end state has it (killed before).
        const alive = this.namedInRecording.has(a.id) ? !ended.has(a.id) : a.alive;
        return { ...a, alive, connected: alive };
      });
  }
}
