import { memo, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { formatMs } from "../lib/hops";
import type { Hop } from "../lib/protocol";
import { isMessageHop } from "../lib/protocol";
import { hopDeltas } from "../lib/traces";
import { hopCaption, hopColor, hopLabel } from "./hop-style";

const ROWS = 250;

const TIME = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit", fractionalSecondDigits: 3, hour12: false });

function clock(at: number): string {
  return TIME.format(at);
}

/** Every hop as it arrived, newest first. Unlike the animation, the log never skips one. */
export const EventLog = memo(function EventLog({
  hops,
  total,
  selectedTraceId,
  onSelect,
}: {
  hops: readonly Hop[];
  total: number;
  selectedTraceId: string | null;
  onSelect: (traceId: string | null) => void;
}) {
  const rows = useMemo(() => hops.slice(-ROWS).reverse(), [hops]);
  const deltas = useMemo(() => hopDeltas(hops.slice(-ROWS * 2)), [hops]);
  // One tab stop for the log (the row last focused, or the newest); arrow keys walk the rows.
  const body = useRef<HTMLTableSectionElement>(null);
  const [focusSeq, setFocusSeq] = useState<number | null>(null);
  const tabSeq = focusSeq !== null && rows.some((h) => h.seq === focusSeq) ? focusSeq : (rows[0]?.seq ?? null);
  const onRowKey = (event: KeyboardEvent<HTMLTableRowElement>, index: number, traceId: string | null, selected: boolean) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      if (traceId) onSelect(selected ? null : traceId);
      return;
    }
    const to = event.key === "ArrowUp" ? index - 1 : event.key === "ArrowDown" ? index + 1 : event.key === "Home" ? 0 : event.key === "End" ? rows.length - 1 : null;
    const next = to === null ? undefined : rows[Math.max(0, Math.min(rows.length - 1, to))];
    if (!next) return;
    event.preventDefault();
    setFocusSeq(next.seq);
    body.current?.querySelector<HTMLTableRowElement>(`[data-seq="${next.seq}"]`)?.focus();
  };
  return (
    <section aria-label="Event log" className="flex h-full min-h-0 flex-col" data-testid="event-log">
      <div className="flex items-baseline justify-between px-3 py-2 text-2xs text-[var(--muted)]">
        <span className="font-semibold tracking-wider uppercase">Event log</span>
        <span className="tabular-nums">{total} hops</span>
      </div>
      <div className="scrollbar-thin min-h-0 flex-1 overflow-y-auto">
        <table className="w-full text-xs" aria-label="Hops, newest first. Arrow keys move between rows, Enter selects a message.">
          <tbody ref={body}>
            {rows.map((hop, index) => {
              const message = isMessageHop(hop) ? hop.message : null;
              const selected = message !== null && message.traceId === selectedTraceId;
              const latency = isMessageHop(hop) ? (hop.rttMs ?? deltas.get(hop.seq)) : undefined;
              return (
                <tr
                  key={hop.seq}
                  onClick={() => message && onSelect(selected ? null : message.traceId)}
                  onKeyDown={(event) => onRowKey(event, index, message?.traceId ?? null, selected)}
                  onFocus={() => setFocusSeq(hop.seq)}
                  tabIndex={hop.seq === tabSeq ? 0 : -1}
                  aria-current={selected ? "true" : undefined}
                  data-seq={hop.seq}
                  className={`log-row border-t border-[var(--line)] ${message ? "cursor-pointer" : ""} ${selected ? "bg-violet-500/10" : "hover:bg-black/[0.03] dark:hover:bg-white/[0.04]"}`}
                  data-testid="log-row"
                  data-kind={hop.kind}
                >
                  <td className="py-1 pr-2 pl-3 font-mono whitespace-nowrap text-[var(--muted)] tabular-nums">{clock(hop.at)}</td>
                  <td className="py-1 pr-2 whitespace-nowrap">
                    <span className="hop-badge rounded px-1.5 py-0.5 text-3xs font-semibold" style={{ ["--hop" as string]: hopColor(hop) }}>
                      {isMessageHop(hop) ? hopCaption(hop) : hopLabel(hop.kind)}
                    </span>
                  </td>
                  <td className="max-w-[10rem] truncate py-1 pr-2" title={`${hop.from} → ${hop.to}${isMessageHop(hop) && hop.reason ? ` · ${hop.reason}` : ""}${isMessageHop(hop) && hop.call?.status?.details ? ` · ${hop.call.status.details}` : ""}`}>
                    {isMessageHop(hop) ? (
                      <span className="font-mono">{hop.message.id}</span>
                    ) : (
                      <span>
                        {hop.actor.id} <span className="text-[var(--muted)]">pid {hop.actor.pid}</span>
                      </span>
                    )}
                    {isMessageHop(hop) && hop.reason && <span className="ml-1 text-[var(--muted)]">· {hop.reason}</span>}
                  </td>
                  <td className="py-1 pr-3 text-right font-mono whitespace-nowrap text-[var(--muted)] tabular-nums">{latency !== undefined ? formatMs(latency) : ""}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {rows.length === 0 && <p className="px-3 py-6 text-center text-xs text-[var(--muted)]">Hops appear here as they happen.</p>}
      </div>
    </section>
  );
});
