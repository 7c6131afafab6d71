import type { GaugePoint } from "./gauge-history";

export interface SparklineOptions {
  width: number;
  height: number;
  /** The right edge: the newest read's time. */
  now: number;
  /** The picture never spans less than this, so a fresh run's first seconds are not stretched across it. */
  minWindowMs: number;
  /** Nor more than this: older points scroll out at the left. */
  maxWindowMs: number;
  /** Room for the stroke at the top and bottom, in px. */
  inset?: number;
}

export interface SparklineShape {
  /** SVG path data of the line. */
  line: string;
  /** The same line closed along the bottom, for a faint fill under it. */
  area: string;
  /** Where the newest point is drawn, for a dot. */
  end: { x: number; y: number };
  /** The scale's top: the highest value in view (the bottom is 0). */
  max: number;
  /** How much time the width stands for. */
  windowMs: number;
}

const round = (n: number) => Math.round(n * 10) / 10;

/**
 * A gauge's recent history as an SVG line: time to the right up to `now`, counts upwards from 0.
 * The window grows with the history, from `minWindowMs` up to `maxWindowMs`, so a minute-old
 * run fills the width and a long one shows its last few minutes. Null when there is nothing to
 * draw yet (fewer than two points in view).
 */
export function sparklineShape(points: readonly GaugePoint[], options: SparklineOptions): SparklineShape | null {
  const { width, height, now, minWindowMs, maxWindowMs, inset = 1.5 } = options;
  const first = points[0];
  if (!first || width <= 0 || height <= 0) return null;
  const windowMs = Math.min(maxWindowMs, Math.max(minWindowMs, now - first[0]));
  const from = now - windowMs;
  // The last point before the window is kept, so the line runs in from the left edge (clipped).
  let start = points.findIndex(([at]) => at >= from);
  if (start < 0) start = points.length;
  const shown = points.slice(Math.max(0, start - 1)).filter(([at]) => at <= now);
  if (shown.length < 2) return null;
  const max = Math.max(0, ...shown.map(([, v]) => v));
  const min = Math.min(0, ...shown.map(([, v]) => v));
  const range = max - min || 1;
  const x = (at: number) => round(width - ((now - at) / windowMs) * width);
  const y = (v: number) => round(height - inset - ((v - min) / range) * (height - 2 * inset));
  const coords = shown.map(([at, v]) => [x(at), y(v)] as const);
  const line = coords.map(([px, py], i) => `${i === 0 ? "M" : "L"}${px} ${py}`).join(" ");
  const firstX = coords[0]?.[0] ?? 0;
  const [lastX, lastY] = coords[coords.length - 1] ?? [width, height];
  const area = `${line} L${lastX} ${height} L${firstX} ${height} Z`;
  return { line, area, end: { x: lastX, y: lastY }, max, windowMs };
}
