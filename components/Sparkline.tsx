import { memo } from "react";
import type { GaugePoint } from "../lib/gauge-history";
import { sparklineShape, type SparklineShape } from "../lib/sparkline";

/** A sparkline spans at least ten seconds, so a run's first two reads are not stretched wide... */
export const SPARKLINE_MIN_WINDOW_MS = 10_000;
/** ...and at most the five minutes the server keeps. */
export const SPARKLINE_MAX_WINDOW_MS = 300_000;

export interface NodeSpark {
  gauge: string;
  points: readonly GaugePoint[];
}

const LINE_HEIGHT = 12;
const LABEL_HEIGHT = 10;
/** Leaves the 26 px between a channel and the one below it a pixel or two of air. */
export const SPARKLINE_ROW_HEIGHT = LABEL_HEIGHT + LINE_HEIGHT;

interface SparklineProps {
  shape: SparklineShape | null;
  width: number;
  height: number;
  label: string;
  testId?: string;
}

export function shapeOf(points: readonly GaugePoint[], now: number, width: number, height: number): SparklineShape | null {
  return sparklineShape(points, { width, height, now, minWindowMs: SPARKLINE_MIN_WINDOW_MS, maxWindowMs: SPARKLINE_MAX_WINDOW_MS, inset: 2 });
}

/** One gauge's recent history: a line in the current text colour, a faint fill, a dot at now. */
export const Sparkline = memo(function Sparkline({ shape, width, height, label, testId }: SparklineProps) {
  const minutes = shape ? Math.round(shape.windowMs / 6_000) / 10 : 0;
  return (
    <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={shape ? `${label}: up to ${shape.max} over the last ${minutes} min` : `${label}: no history yet`} data-testid={testId} className="block overflow-hidden">
      <title>{shape ? `${label}, last ${minutes} min (scale 0–${shape.max})` : label}</title>
      <line x1={0} x2={width} y1={height - 0.5} y2={height - 0.5} stroke="currentColor" strokeOpacity={0.25} strokeWidth={1} />
      {shape && (
        <>
          <path d={shape.area} fill="currentColor" fillOpacity={0.14} stroke="none" />
          <path d={shape.line} fill="none" stroke="currentColor" strokeWidth={1.75} strokeLinejoin="round" strokeLinecap="round" data-role="line" />
          <circle cx={shape.end.x} cy={shape.end.y} r={2.25} fill="currentColor" />
        </>
      )}
    </svg>
  );
});

/**
 * A node's gauges as sparklines in a row just under it, in the order its figures are listed.
 * Placed outside the node's box (absolute, from its bottom edge), so the node itself keeps its size and type.
 */
export const NodeSparklines = memo(function NodeSparklines({ nodeId, sparks, now, width, top, tone }: { nodeId: string; sparks: readonly NodeSpark[]; now: number; width: number; top: number; tone: "channel" | "actor" }) {
  const gap = 6;
  const cell = Math.floor((width - gap * (sparks.length - 1)) / sparks.length);
  return (
    <div
      className={`pointer-events-auto absolute left-0 flex ${tone === "channel" ? "text-violet-600 dark:text-violet-300" : "text-sky-600 dark:text-sky-300"}`}
      style={{ top: top + 2, width, gap, height: SPARKLINE_ROW_HEIGHT }}
      data-testid={`sparklines-${nodeId}`}
    >
      {sparks.map(({ gauge, points }) => {
        const shape = shapeOf(points, now, cell, LINE_HEIGHT);
        return (
          <div key={gauge} style={{ width: cell }} className="min-w-0">
            <div className="flex justify-between gap-1 font-mono text-[9px] leading-[10px] text-[var(--muted)]">
              <span className="truncate">{gauge}</span>
              {shape && (
                <span className="tabular-nums" title="The scale's top: the highest reading in view">
                  ≤{shape.max}
                </span>
              )}
            </div>
            <Sparkline shape={shape} width={cell} height={LINE_HEIGHT} label={gauge} testId={`sparkline-${nodeId}-${gauge}`} />
          </div>
        );
      })}
    </div>
  );
});
