"use client";
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import type { CastMember } from "../lib/cast";
import type { Hop } from "../lib/protocol";
import { layoutSequence, type Arrow, type Lane, type Note } from "../lib/sequence";
import { hopDeltas } from "../lib/traces";
import { BROKER_NAMES } from "./BrokerStrip";
import { HOP_COLORS, STALE_COLOR } from "./hop-style";
import { useOnStage } from "./Stage";

/** The drawing's measures: stage mode draws the same diagram in type a room can read. */
interface Scale {
  rowHeight: number;
  minLane: number;
  maxLane: number;
  label: number;
  small: number;
  stroke: number;
  head: number;
  charWidth: number;
}
const DESK: Scale = { rowHeight: 34, minLane: 104, maxLane: 240, label: 11, small: 10, stroke: 2, head: 1, charWidth: 6.2 };
const STAGE: Scale = { rowHeight: 50, minLane: 0, maxLane: 340, label: 17, small: 16, stroke: 3.5, head: 1.6, charWidth: 9.6 };

const STAGGER_BELOW_PX = 120;
const STAGGERED_HEADER_PX = 76;

interface SequenceDiagramProps {
  cast: readonly CastMember[];
  hops: readonly Hop[];
  selectedTraceId: string | null;
  onSelect: (traceId: string | null) => void;
  /** Tag each channel's lane with its broker: for scenarios that span several. */
  brokerTags?: boolean;
  /** What it says before the first hop. */
  emptyText?: string;
}

/** One lifeline per actor, one arrow per hop, newest at the bottom. */
export function SequenceDiagram({ cast, hops, selectedTraceId, onSelect, brokerTags = false, emptyText = "No hops yet. Send a request and watch it travel." }: SequenceDiagramProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const [available, setAvailable] = useState(800);
  const onStage = useOnStage();
  const scale = onStage ? STAGE : DESK;
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setAvailable(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  // Lanes share the width at 1:1 scale, so text stays one size however many actors there are. On
  // stage the room cannot scroll: every lane fits, and a long name is cut, whole in its title.
  const laneWidth = Math.max(scale.minLane, Math.min(scale.maxLane, Math.floor(available / Math.max(1, cast.length))));
  // Too narrow for a name at stage type: the names take turns on two rows, each twice a lane wide;
  // the broker tags give way (the graph above groups the channels by broker).
  const staggered = onStage && laneWidth < STAGGER_BELOW_PX;
  const layout = useMemo(() => layoutSequence(cast, hops, hopDeltas(hops), { laneWidth, rowHeight: scale.rowHeight, headerHeight: 8 + scale.label - DESK.label }), [cast, hops, laneWidth, scale]);

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
  // One tab stop for the whole diagram (the arrow last focused, or the newest); arrow keys walk it.
  const [focusSeq, setFocusSeq] = useState<number | null>(null);
  const tabSeq = focusSeq !== null && arrows.some((a) => a.seq === focusSeq) ? focusSeq : (arrows[arrows.length - 1]?.seq ?? null);
  const laneName = useCallback((x: number) => lanes.find((lane) => lane.x === x)?.label ?? "", [lanes]);
  const onArrowKey = useCallback(
    (event: KeyboardEvent<SVGGElement>, arrow: Arrow, selected: boolean) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        onSelect(selected ? null : arrow.traceId);
        return;
      }
      const index = arrows.findIndex((a) => a.seq === arrow.seq);
      const to = event.key === "ArrowUp" ? index - 1 : event.key === "ArrowDown" ? index + 1 : event.key === "Home" ? 0 : event.key === "End" ? arrows.length - 1 : null;
      const next = to === null ? undefined : arrows[Math.max(0, Math.min(arrows.length - 1, to))];
      if (!next) return;
      event.preventDefault();
      setFocusSeq(next.seq);
      scroller.current?.querySelector<SVGGElement>(`[data-seq="${next.seq}"]`)?.focus();
    },
    [arrows, onSelect],
  );
  return (
    <div className="flex h-full min-h-0 flex-col" data-testid="sequence">
      <div ref={scroller} className="scrollbar-thin min-h-0 flex-1 overflow-auto">
        {/* Inside the scroller and sticky, so it scrolls sideways with the lanes it names. */}
        <div className="sticky top-0 z-10 h-11 border-b stage:h-16 border-[var(--line)] bg-[var(--panel)]" style={staggered ? { width, height: STAGGERED_HEADER_PX } : { width }}>
          {lanes.map((lane, index) => {
            const span = staggered ? 2 * laneWidth - 10 : laneWidth - 10;
            // Kept inside the diagram, so the first and the last name neither clip nor scroll.
            const from = Math.max(0, Math.min(width - span, lane.x - span / 2));
            return (
              <LaneHeader
                key={lane.id}
                lane={lane}
                from={from}
                span={span}
                align={from === lane.x - span / 2 ? "center" : from === 0 ? "start" : "end"}
                row={staggered ? (index % 2 === 0 ? "upper" : "lower") : "middle"}
                dead={!cast.find((c) => c.id === lane.id)?.alive}
                tag={brokerTags && lane.broker && !staggered ? BROKER_NAMES[lane.broker] : null}
              />
            );
          })}
        </div>
        {arrows.length === 0 && notes.length === 0 && lanes.every((lane) => lane.killedAtY === null) ? (
          <p className="px-4 py-10 text-center text-sm text-[var(--muted)]">{emptyText}</p>
        ) : (
          <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="group" aria-label="Sequence diagram: one arrow per hop, newest last. Arrow keys move between arrows, Enter selects a message." className="block select-none">
            {lanes.map((lane) => (
              <Lifeline key={lane.id} lane={lane} height={height} scale={scale} />
            ))}
            {arrows.map((arrow) => (
              <ArrowRow
                key={arrow.seq}
                arrow={arrow}
                width={width}
                dimmed={selectedTraceId !== null && arrow.traceId !== selectedTraceId}
                selected={arrow.traceId === selectedTraceId}
                onSelect={onSelect}
                scale={scale}
                tabbable={arrow.seq === tabSeq}
                name={`${arrow.caption}, message ${arrow.messageId}, ${arrow.self ? `at ${laneName(arrow.x1)}` : `from ${laneName(arrow.x1)} to ${laneName(arrow.x2)}`}${arrow.latency ? `, ${arrow.latency}` : ""}`}
                onKey={onArrowKey}
                onFocus={setFocusSeq}
              />
            ))}
            {notes.map((note) => (
              <NoteMark key={note.seq} note={note} width={width} scale={scale} />
            ))}
          </svg>
        )}
      </div>
    </div>
  );
}

/** Where an arrow starts from a lane Hopscope guessed: a "?" so the guess is not read as a fact. */
function InferredMark({ x, y, scale }: { x: number; y: number; scale: Scale }) {
  const r = scale.label * 0.62;
  return (
    <g data-testid="inferred-mark">
      <circle cx={x} cy={y} r={r} fill="var(--panel)" stroke="#d97706" strokeWidth={1.5} strokeDasharray="3 2" />
      <text x={x} y={y + r * 0.45} textAnchor="middle" fontSize={scale.small} fontWeight={700} fill="#b45309">
        ?
      </text>
    </g>
  );
}

function LaneHeader({ lane, from, span, align, row, dead, tag }: { lane: Lane; from: number; span: number; align: "start" | "center" | "end"; row: "upper" | "middle" | "lower"; dead: boolean; tag: string | null }) {
  const channel = lane.kind === "channel";
  const top = row === "upper" ? "top-1" : row === "lower" ? "bottom-1" : "top-1/2 -translate-y-1/2";
  const justify = align === "start" ? "items-start" : align === "end" ? "items-end" : "items-center";
  return (
    <div className={`absolute flex flex-col ${top} ${justify}`} style={{ left: from, width: span }} data-testid={`lane-${lane.id}`} title={tag ? `${tag} · ${lane.label}` : lane.label}>
      {tag && (
        <div style={{ maxWidth: span }} className="truncate text-center text-4xs leading-3 font-semibold tracking-wider text-violet-600 uppercase dark:text-violet-300" data-testid="broker-tag">
          {tag}
        </div>
      )}
      <div
        style={{ maxWidth: span }}
        className={`truncate rounded-md border px-2 py-1 text-center text-xs font-medium ${
          channel
            ? "border-violet-300 dark:border-violet-700 bg-violet-500/10 font-mono text-violet-700 dark:text-violet-200"
            : lane.inferred
              ? "border-dashed border-amber-500 bg-amber-500/10 text-amber-800 dark:text-amber-200"
              : dead
              ? "border-rose-500/40 bg-rose-500/10 text-rose-700 line-through decoration-rose-400 dark:text-rose-300"
              : "border-[var(--line)] bg-[var(--panel)]"
        }`}
      >
        {lane.inferred ? `? ${lane.label}` : lane.label}
      </div>
    </div>
  );
}

function Lifeline({ lane, height, scale }: { lane: Lane; height: number; scale: Scale }) {
  const end = lane.killedAtY ?? height;
  const channel = lane.kind === "channel";
  return (
    <g>
      <line x1={lane.x} x2={lane.x} y1={0} y2={end} stroke={channel ? "#8b5cf6" : "var(--lifeline)"} strokeOpacity={channel ? 0.35 : 1} strokeWidth={channel ? 6 : 1.5} strokeDasharray={channel ? undefined : "4 4"} />
      {lane.killedAtY !== null && (
        <g data-testid={`kill-cross-${lane.id}`} stroke="#ef4444" strokeWidth={3} strokeLinecap="round">
          <line x1={lane.x - 9} x2={lane.x + 9} y1={end - 9} y2={end + 9} />
          <line x1={lane.x - 9} x2={lane.x + 9} y1={end + 9} y2={end - 9} />
          <text x={lane.x + 14} y={end + 4} fill="#ef4444" stroke="none" fontSize={scale.label} fontWeight={600}>
            SIGKILL
          </text>
        </g>
      )}
    </g>
  );
}

/** A pill on the actor's lifeline: what happened to the actor itself (a rebalance). */
function NoteMark({ note, width, scale }: { note: Note; width: number; scale: Scale }) {
  const color = HOP_COLORS[note.kind];
  const textWidth = note.text.length * scale.charWidth + 16;
  const half = scale.label - 1;
  // Kept inside the diagram: a note on the rightmost lane opens to the left.
  const left = note.x + 8 + textWidth > width ? note.x - 8 - textWidth : note.x + 8;
  return (
    <g data-testid="note" data-kind={note.kind}>
      <circle cx={note.x} cy={note.y} r={5} fill={color} />
      <rect x={left} y={note.y - half} width={textWidth} height={half * 2} rx={half} fill="var(--panel)" stroke={color} strokeWidth={1.5} />
      <text x={left + textWidth / 2} y={note.y + Math.round(scale.label * 0.36)} textAnchor="middle" fontSize={scale.label} fontWeight={600} fill={color}>
        {note.text}
      </text>
    </g>
  );
}

interface ArrowRowProps {
  arrow: Arrow;
  width: number;
  dimmed: boolean;
  selected: boolean;
  onSelect: (traceId: string | null) => void;
  scale: Scale;
  /** The diagram's one tab stop. */
  tabbable: boolean;
  /** What a screen reader says of it. */
  name: string;
  onKey: (event: KeyboardEvent<SVGGElement>, arrow: Arrow, selected: boolean) => void;
  onFocus: (seq: number) => void;
}

function ArrowRow({ arrow, width, dimmed, selected, onSelect, scale, tabbable, name, onKey, onFocus }: ArrowRowProps) {
  const color = arrow.stale ? STALE_COLOR : arrow.kind === "status" && arrow.failed ? HOP_COLORS.dropped : HOP_COLORS[arrow.kind];
  const dir = arrow.x2 >= arrow.x1 ? 1 : -1;
  const length = Math.abs(arrow.x2 - arrow.x1) || 60;
  const mid = (arrow.x1 + arrow.x2) / 2;
  const label = arrow.caption + (arrow.receivers !== null ? ` → ${arrow.receivers} receiver${arrow.receivers === 1 ? "" : "s"}` : "");
  const loopX = Math.min(arrow.x1 + 34 * scale.head, width - 4);
  const stroke = (selected ? 1.5 : 1) * scale.stroke;
  const head = scale.head;
  const above = Math.round(scale.label * 0.45);
  const below = Math.round(scale.small * 1.3);
  // The ring a keyboard user sees on the focused arrow: it spans the arrow and its two labels.
  const ringLeft = arrow.self ? arrow.x1 - 8 : Math.min(arrow.x1, arrow.x2) - 6;
  const ringRight = arrow.self ? Math.min(width - 2, loopX + 6 + label.length * scale.charWidth + 8) : Math.max(arrow.x1, arrow.x2) + 6;
  return (
    <g
      className="arrow-new cursor-pointer"
      style={{ ["--length" as string]: length, opacity: dimmed ? 0.25 : 1 }}
      onClick={() => onSelect(selected ? null : arrow.traceId)}
      onKeyDown={(event) => onKey(event, arrow, selected)}
      onFocus={() => onFocus(arrow.seq)}
      tabIndex={tabbable ? 0 : -1}
      role="button"
      aria-pressed={selected}
      aria-label={name}
      data-testid="arrow"
      data-seq={arrow.seq}
      data-kind={arrow.kind}
      data-trace={arrow.traceId}
      data-caption={arrow.caption}
      data-inferred={arrow.inferred}
    >
      {arrow.details && <title>{`${arrow.caption}: ${arrow.details}`}</title>}
      <rect className="arrow-focus" x={ringLeft} y={arrow.y - above - scale.label} width={Math.max(0, ringRight - ringLeft)} height={above + scale.label + below + 4} rx={6} fill="none" data-testid="arrow-focus" />
      {arrow.self ? (
        <>
          <path d={`M ${arrow.x1} ${arrow.y - 8 * head} H ${loopX} V ${arrow.y + 8 * head} H ${arrow.x1 + 6 * head}`} fill="none" stroke={color} strokeWidth={stroke} />
          <polygon points={`${arrow.x1 + 1},${arrow.y + 8 * head} ${arrow.x1 + 9 * head},${arrow.y + 8 * head - 4 * head} ${arrow.x1 + 9 * head},${arrow.y + 8 * head + 4 * head}`} fill={color} />
          <text x={loopX + 6} y={arrow.y - 1} fontSize={scale.label} fontWeight={600} fill={color}>
            {label}
          </text>
          {arrow.latency && (
            <text x={loopX + 6} y={arrow.y + 1 + scale.small + 1} fontSize={scale.small} className="font-mono" fill="var(--muted)">
              {arrow.latency}
            </text>
          )}
        </>
      ) : (
        <>
          <line x1={arrow.x1} x2={arrow.x2} y1={arrow.y} y2={arrow.y} stroke="transparent" strokeWidth={16 * head} />
          <line x1={arrow.x1} x2={arrow.x2 - dir * 7 * head} y1={arrow.y} y2={arrow.y} stroke={color} strokeWidth={stroke} className={arrow.inferred ? "is-inferred" : arrow.failed ? "is-failed" : undefined} />
          {arrow.inferred && <InferredMark x={arrow.x1} y={arrow.y} scale={scale} />}
          <polygon points={`${arrow.x2},${arrow.y} ${arrow.x2 - dir * 9 * head},${arrow.y - 5 * head} ${arrow.x2 - dir * 9 * head},${arrow.y + 5 * head}`} fill={color} />
          <text x={mid} y={arrow.y - above} textAnchor="middle" fontSize={scale.label} fontWeight={600} fill={color}>
            {label}
          </text>
          {arrow.latency && (
            <text x={mid} y={arrow.y + below} textAnchor="middle" fontSize={scale.small} className="font-mono" fill="var(--muted)" data-testid="arrow-latency">
              {arrow.latency}
            </text>
          )}
        </>
      )}
    </g>
  );
}
