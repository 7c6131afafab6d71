import { RingBuffer } from "./ring";

/** Figures read from a broker at one moment, per channel or actor id, e.g. { "rabbitmq:emails": { ready: 3 } }. */
export type GaugeReading = Record<string, Record<string, number>>;

/**
 * A gauge history as it travels: one column of read times, and per gauge its value at each of
 * them (null where that read did not report it). Columns keep the wire small: a time is sent
 * once, not once per gauge.
 */
export interface GaugeHistoryData {
  /** How many reads are kept: the oldest falls out once there are this many. */
  capacity: number;
  /** Epoch ms of each read, oldest first. */
  times: number[];
  series: GaugeSeriesData[];
}

export interface GaugeSeriesData {
  /** The channel or actor id the gauge belongs to. */
  id: string;
  gauge: string;
  /** One per entry of `times`. */
  values: (number | null)[];
}

/** A gauge's readings as points, oldest first: [epoch ms, value]. */
export type GaugePoint = readonly [number, number];

/**
 * At one read a second, 360 reads keep six minutes, so the last five are always there even when
 * a slow broker stretches the interval.
 */
export const GAUGE_HISTORY_CAPACITY = 360;
/**
 * Actors come and go (every kill and replacement has a new id, with gauges of its own). Past this
 * many gauges a new one is not recorded until an old one has aged out, so memory stays bounded
 * by capacity × this.
 */
export const GAUGE_HISTORY_MAX_SERIES = 96;

interface Series {
  id: string;
  gauge: string;
  values: RingBuffer<number | null>;
  /** The number of the last read that reported it: it is dropped once it has aged out. */
  lastSeen: number;
}

const keyOf = (id: string, gauge: string) => `${id}\u0000${gauge}`;

/** Every gauge's readings over the last few minutes, aligned on the reads, in fixed memory. */
export class GaugeHistory {
  private times: RingBuffer<number>;
  private series = new Map<string, Series>();
  private reads = 0;

  constructor(
    readonly capacity = GAUGE_HISTORY_CAPACITY,
    readonly maxSeries = GAUGE_HISTORY_MAX_SERIES,
  ) {
    this.times = new RingBuffer<number>(capacity);
  }

  static from(data: GaugeHistoryData, maxSeries = GAUGE_HISTORY_MAX_SERIES): GaugeHistory {
    const history = new GaugeHistory(Math.max(1, data.capacity), maxSeries);
    const times = data.times.slice(-history.capacity);
    const skip = data.times.length - times.length;
    const seen = new Map<string, (number | null)[]>();
    for (const s of data.series) seen.set(keyOf(s.id, s.gauge), s.values.slice(skip));
    times.forEach((at, i) => {
      const reading: GaugeReading = {};
      for (const s of data.series) {
        const value = seen.get(keyOf(s.id, s.gauge))?.[i];
        if (value === null || value === undefined) continue;
        (reading[s.id] ??= {})[s.gauge] = value;
      }
      history.push(at, reading);
    });
    return history;
  }

  get size(): number {
    return this.times.size;
  }

  /** Epoch ms of the newest read, or null before the first. */
  get lastAt(): number | null {
    return this.times.last() ?? null;
  }

  /** Records one read. A read not newer than the last is ignored: a snapshot may overlap later state. */
  push(at: number, reading: GaugeReading): void {
    const last = this.times.last();
    if (last !== undefined && at <= last) return;
    this.reads++;
    this.times.push(at);
    for (const s of this.series.values()) {
      const value = reading[s.id]?.[s.gauge];
      const known = typeof value === "number" && Number.isFinite(value);
      s.values.push(known ? value : null);
      if (known) s.lastSeen = this.reads;
    }
    for (const [id, gauges] of Object.entries(reading)) {
      for (const [gauge, value] of Object.entries(gauges)) {
        const key = keyOf(id, gauge);
        if (this.series.has(key) || !Number.isFinite(value)) continue;
        if (this.series.size >= this.maxSeries) continue;
        const values = new RingBuffer<number | null>(this.capacity);
        for (let i = 1; i < this.times.size; i++) values.push(null);
        values.push(value);
        this.series.set(key, { id, gauge, values, lastSeen: this.reads });
      }
    }
    // A gauge no read in the window reported (a dead actor's) holds only nulls: let it go.
    for (const [key, s] of this.series) if (this.reads - s.lastSeen >= this.capacity) this.series.delete(key);
  }

  /** One gauge's readings, oldest first, skipping reads that did not report it. */
  points(id: string, gauge: string): GaugePoint[] {
    const s = this.series.get(keyOf(id, gauge));
    if (!s) return [];
    const out: GaugePoint[] = [];
    for (let i = 0; i < this.times.size; i++) {
      const value = s.values.at(i);
      const at = this.times.at(i);
      if (value !== null && value !== undefined && at !== undefined) out.push([at, value]);
    }
    return out;
  }

  /** The gauges recorded for one channel or actor, in the order they first appeared. */
  gaugesOf(id: string): string[] {
    return [...this.series.values()].filter((s) => s.id === id).map((s) => s.gauge);
  }

  clear(): void {
    this.times.clear();
    this.series.clear();
    this.reads = 0;
  }

  toJSON(): GaugeHistoryData {
    return {
      capacity: this.capacity,
      times: this.times.toArray(),
      series: [...this.series.values()].map((s) => ({ id: s.id, gauge: s.gauge, values: s.values.toArray() })),
    };
  }
}
