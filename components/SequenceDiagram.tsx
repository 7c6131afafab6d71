"use client";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import type { CastMember } from "../lib/cast";
import type { Hop } from "../lib/protocol";
import { layoutSequence, type Arrow, type Lane, type Note } from "../lib/sequence";
import { hopDeltas } from "../lib/traces";
import { BROKER_NAMES } from "./BrokerStrip";
import { HOP_COLORS, STALE_COLOR } from "./hop-style";

const ROW_HEIGHT = 34;
const MIN_LANE_WIDTH = 104;
const MAX_LANE_WIDTH = 240;

interface SequenceDiagramProps {
  cast: readonly CastMember[];
  hops: readonly Hop[];
  selectedTraceId: string | null;
  onSelect: (traceId: string | null) => void;
  /** Tag each channel's lane with its broker: for scenarios that span several. */
  brokerTags?: boolean;
}

/** One lifeline per actor, one arrow per hop, newest at the bottom. */
export function SequenceDiagram({ cast, hops, selectedTraceId, onSelect, brokerTags = false }: SequenceDiagramProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const [available, setAvailable] = useState(800);
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setAvailable(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  // Lanes share the width at 1:1 scale, so text stays one size however many actors there are.
  const laneWidth = Math.max(MIN_LANE_WIDTH, Math.min(MAX_LANE_WIDTH, Math.floor(available / Math.max(1, cast.length))));
  const layout = useMemo(() => layoutSequence(cast, hops, hopDeltas(hops), { laneWidth, rowHeight: ROW_HEIGHT, headerHeight: 8 }), [cast, hops, laneWidth]);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [layout]);
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const onScroll = () => {
      pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    };
    el.addEventListener("scroll", onScroll);
    return () => el.removeEventListener("scroll", onScroll);
  }, []);

  const { width, height, lanes, arrows, notes } = layout;
  return (
    <div className="flex h-full min-h-0 flex-col" data-testid="sequence">
      <div ref={scroller} className="scrollbar-thin min-h-0 flex-1 overflow-auto">
        {/* Inside the scroller and sticky, so it scrolls sideways with the lanes it names. */}
        <div className="sticky top-0 z-10 h-11 border-b border-[var(--line)] bg-[var(--panel)]" style={{ width }}>
          {lanes.map((lane) => (
            <LaneHeader key={lane.id} lane={lane} left={lane.x} maxWidth={laneWidth - 10} dead={!cast.find((c) => c.id === lane.id)?.alive} tag={brokerTags && lane.broker ? BROKER_NAMES[lane.broker] : null} />
          ))}
        </div>
        {arrows.length === 0 && notes.length === 0 && lanes.every((lane) => lane.killedAtY === null) ? (
          <p className="px-4 py-10 text-center text-sm text-[var(--muted)]">No hops yet. Send a request and watch it travel.</p>
        ) : (
          <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label="Sequence diagram" className="block select-none">
            {lanes.map((lane) => (
              <Lifeline key={lane.id} lane={lane} height={height} />
            ))}
            {arrows.map((arrow) => (
              <ArrowRow
                key={arrow.seq}
                arrow={arrow}
                width={width}
                dimmed={selectedTraceId !== null && arrow.traceId !== selectedTraceId}
                selected={arrow.traceId === selectedTraceId}
                onSelect={onSelect}
              />
            ))}
            {notes.map((note) => (
              <NoteMark key={note.seq} note={note} width={width} />
            ))}
          </svg>
        )}
      </div>
    </div>
  );
}

function LaneHeader({ lane, left, maxWidth, dead, tag }: { lane: Lane; left: number; maxWidth: number; dead: boolean; tag: string | null }) {
  const channel = lane.kind === "channel";
  return (
    <div className="absolute top-1/2 -translate-x-1/2 -translate-y-1/2" style={{ left }} data-testid={`lane-${lane.id}`} title={tag ? `${tag} · ${lane.label}` : lane.label}>
      {tag && (
        <div className="text-center text-[9px] leading-3 font-semibold tracking-wider text-violet-600 uppercase dark:text-violet-300" data-testid="broker-tag">
          {tag}
        </div>
      )}
      <div
        style={{ maxWidth }}
        className={`truncate rounded-md border px-2 py-1 text-center text-xs font-medium ${
          channel
            ? "border-violet-300 dark:border-violet-700 bg-violet-500/10 font-mono text-violet-700 dark:text-violet-200"
            : dead
              ? "border-rose-500/40 bg-rose-500/10 text-rose-700 line-through decoration-rose-400 dark:text-rose-300"
              : "border-[var(--line)] bg-[var(--panel)]"
        }`}
      >
        {lane.label}
      </div>
    </div>
  );
}

function Lifeline({ lane, height }: { lane: Lane; height: number }) {
  const end = lane.killedAtY ?? height;
  const channel = lane.kind === "channel";
  return (
    <g>
      <line x1={lane.x} x2={lane.x} y1={0} y2={end} stroke={channel ? "#8b5cf6" : "var(--lifeline)"} strokeOpacity={channel ? 0.35 : 1} strokeWidth={channel ? 6 : 1.5} strokeDasharray={channel ? undefined : "4 4"} />
      {lane.killedAtY !== null && (
        <g data-testid={`kill-cross-${lane.id}`} stroke="#ef4444" strokeWidth={3} strokeLinecap="round">
          <line x1={lane.x - 9} x2={lane.x + 9} y1={end - 9} y2={end + 9} />
          <line x1={lane.x - 9} x2={lane.x + 9} y1={end + 9} y2={end - 9} />
          <text x={lane.x + 14} y={end + 4} fill="#ef4444" stroke="none" fontSize={11} fontWeight={600}>
            SIGKILL
          </text>
        </g>
      )}
    </g>
  );
}

/** A pill on the actor's lifeline: what happened to the actor itself (a rebalance). */
function NoteMark({ note, width }: { note: Note; width: number }) {
  const color = HOP_COLORS[note.kind];
  const textWidth = note.text.length * 6.2 + 16;
  // Kept inside the diagram: a note on the rightmost lane opens to the left.
  const left = note.x + 8 + textWidth > width ? note.x - 8 - textWidth : note.x + 8;
  return (
    <g data-testid="note" data-kind={note.kind}>
      <circle cx={note.x} cy={note.y} r={5} fill={color} />
      <rect x={left} y={note.y - 10} width={textWidth} height={20} rx={10} fill="var(--panel)" stroke={color} strokeWidth={1.5} />
      <text x={left + textWidth / 2} y={note.y + 4} textAnchor="middle" fontSize={11} fontWeight={600} fill={color}>
        {note.text}
      </text>
    </g>
  );
}

function ArrowRow({ arrow, width, dimmed, selected, onSelect }: { arrow: Arrow; width: number; dimmed: boolean; selected: boolean; onSelect: (traceId: string | null) => void }) {
  const color = arrow.stale ? STALE_COLOR : arrow.kind === "status" && arrow.failed ? HOP_COLORS.dropped : HOP_COLORS[arrow.kind];
  const dir = arrow.x2 >= arrow.x1 ? 1 : -1;
  const length = Math.abs(arrow.x2 - arrow.x1) || 60;
  const mid = (arrow.x1 + arrow.x2) / 2;
  const label = arrow.caption + (arrow.receivers !== null ? ` → ${arrow.receivers} receiver${arrow.receivers === 1 ? "" : "s"}` : "");
  const loopX = Math.min(arrow.x1 + 34, width - 4);
  return (
    <g
      className="arrow-new cursor-pointer"
      style={{ ["--length" as string]: length, opacity: dimmed ? 0.25 : 1 }}
      onClick={() => onSelect(selected ? null : arrow.traceId)}
      data-testid="arrow"
      data-kind={arrow.kind}
      data-trace={arrow.traceId}
      data-caption={arrow.caption}
    >
      {arrow.details && <title>{`${arrow.caption}: ${arrow.details}`}</title>}
      {arrow.self ? (
        <>
          <path d={`M ${arrow.x1} ${arrow.y - 8} H ${loopX} V ${arrow.y + 8} H ${arrow.x1 + 6}`} fill="none" stroke={color} strokeWidth={selected ? 3 : 2} />
          <polygon points={`${arrow.x1 + 1},${arrow.y + 8} ${arrow.x1 + 9},${arrow.y + 4} ${arrow.x1 + 9},${arrow.y + 12}`} fill={color} />
          <text x={loopX + 6} y={arrow.y - 1} fontSize={11} fontWeight={600} fill={color}>
            {label}
          </text>
          {arrow.latency && (
            <text x={loopX + 6} y={arrow.y + 12} fontSize={10} className="font-mono" fill="var(--muted)">
              {arrow.latency}
            </text>
          )}
        </>
      ) : (
        <>
          <line x1={arrow.x1} x2={arrow.x2} y1={arrow.y} y2={arrow.y} stroke="transparent" strokeWidth={16} />
          <line x1={arrow.x1} x2={arrow.x2 - dir * 7} y1={arrow.y} y2={arrow.y} stroke={color} strokeWidth={selected ? 3 : 2} className={arrow.failed ? "is-failed" : undefined} />
          <polygon points={`${arrow.x2},${arrow.y} ${arrow.x2 - dir * 9},${arrow.y - 5} ${arrow.x2 - dir * 9},${arrow.y + 5}`} fill={color} />
          <text x={mid} y={arrow.y - 5} textAnchor="middle" fontSize={11} fontWeight={600} fill={color}>
            {label}
          </text>
          {arrow.latency && (
            <text x={mid} y={arrow.y + 13} textAnchor="middle" fontSize={10} className="font-mono" fill="var(--muted)" data-testid="arrow-latency">
              {arrow.latency}
            </text>
          )}
        </>
      )}
    </g>
  );
}
