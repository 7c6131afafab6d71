import type { Hop } from "./protocol";
import { isMessageHop } from "./protocol";

/** The kinds of move the rates panel counts, in the order it shows them. */
export const RATE_KINDS = ["published", "delivered", "acked", "redelivered", "dropped"] as const;
export type RateKind = (typeof RATE_KINDS)[number];
export type KindRates = Record<RateKind, number>;

/** Rates are averaged over this long: steady enough to read, recent enough to follow a burst. */
export const RATE_WINDOW_MS = 5_000;
const RATE_BUCKET_MS = 250;

/**
 * What a hop counts as, or null. A first delivery is `delivered`; the broker's redelivered flag,
 * a later attempt or a claim of an idle entry is `redelivered`, as the ledger counts them. A
 * Kafka consumer's `processed` counts as `acked`: its offset commit covers many records, and
 * finishing one is its equivalent of an ack.
 */
export function rateKindOf(hop: Hop): RateKind | null {
  if (!isMessageHop(hop)) return null;
  switch (hop.kind) {
    case "published":
    case "dropped":
      return hop.kind;
    case "acked":
    case "processed":
      return "acked";
    case "delivered":
      return hop.message.redelivered || hop.message.attempt > 1 ? "redelivered" : "delivered";
    case "redelivered":
    case "claimed":
      return "redelivered";
    default:
      return null;
  }
}

export function zeroRates(): KindRates {
  return { published: 0, delivered: 0, acked: 0, redelivered: 0, dropped: 0 };
}

/**
 * Messages per second of each kind over the last `windowMs` before `now`, from the hops and the
 * time each was seen (`seenAt`, the same clock as `now`). Over a run shorter than the window, the
 * rate is over the run so far (at least one second), not diluted by time before the first hop.
 */
export function ratesOf(hops: Iterable<{ hop: Hop; seenAt: number }>, now: number, windowMs = RATE_WINDOW_MS, since = -Infinity): KindRates {
  const rates = zeroRates();
  const from = Math.max(now - windowMs, since);
  for (const { hop, seenAt } of hops) {
    if (seenAt <= now - windowMs || seenAt > now) continue;
    const kind = rateKindOf(hop);
    if (kind) rates[kind]++;
  }
  const seconds = Math.max(1_000, now - from) / 1_000;
  for (const kind of RATE_KINDS) rates[kind] /= seconds;
  return rates;
}

/**
 * The counts behind `ratesOf`, kept in quarter-second buckets rather than hop by hop, so a flood
 * of hops costs a few counters. Time is passed in: the caller's clock, never read here.
 */
export class RateMeter {
  private buckets: { start: number; counts: KindRates }[] = [];
  private firstAt: number | null = null;

  constructor(
    readonly windowMs = RATE_WINDOW_MS,
    private readonly bucketMs = RATE_BUCKET_MS,
  ) {}

  add(hops: readonly Hop[], seenAt: number): void {
    const start = Math.floor(seenAt / this.bucketMs) * this.bucketMs;
    let bucket = this.buckets[this.buckets.length - 1];
    for (const hop of hops) {
      const kind = rateKindOf(hop);
      if (!kind) continue;
      if (!bucket || bucket.start !== start) {
        bucket = { start, counts: zeroRates() };
        this.buckets.push(bucket);
      }
      bucket.counts[kind]++;
    }
    this.firstAt ??= seenAt;
    this.forget(seenAt);
  }

  rates(now: number): KindRates {
    this.forget(now);
    const rates = zeroRates();
    for (const { start, counts } of this.buckets) {
      if (start + this.bucketMs <= now - this.windowMs || start > now) continue;
      for (const kind of RATE_KINDS) rates[kind] += counts[kind];
    }
    const from = Math.max(now - this.windowMs, this.firstAt ?? now);
    const seconds = Math.max(1_000, now - from) / 1_000;
    for (const kind of RATE_KINDS) rates[kind] /= seconds;
    return rates;
  }

  /** Nothing counted in the window before `now`, nor in the bucket just past it: all rates read 0. */
  idle(now: number): boolean {
    this.forget(now - this.bucketMs);
    return this.buckets.length === 0;
  }

  clear(): void {
    this.buckets = [];
    this.firstAt = null;
  }

  private forget(now: number): void {
    const cutoff = now - this.windowMs - this.bucketMs;
    const keep = this.buckets.findIndex((b) => b.start >= cutoff);
    if (keep !== 0) this.buckets = keep < 0 ? [] : this.buckets.slice(keep);
  }
}
