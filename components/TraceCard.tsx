import { formatMs } from "../lib/hops";
import type { Trace, TraceStatus } from "../lib/traces";
import { hopCaption, hopColor } from "./hop-style";

const STATUS_STYLE = {
  "in-flight": "bg-sky-500/15 text-sky-700 dark:text-sky-300",
  completed: "bg-emerald-500/15 text-emerald-700 dark:text-emerald-300",
  dropped: "bg-amber-500/15 text-amber-800 dark:text-amber-300",
  "dead-lettered": "bg-rose-500/15 text-rose-700 dark:text-rose-300",
  // A failure handled to the end: settled, but not what the customer asked for.
  compensated: "bg-violet-500/15 text-violet-700 dark:text-violet-300",
} as const satisfies Record<TraceStatus, string>;

/** The selected message's whole journey, hop by hop, with the time each step took. */
export function TraceCard({ trace, onClose }: { trace: Trace; onClose: () => void }) {
  const first = trace.hops[0]?.at ?? 0;
  const routing = trace.hops.find((h) => h.routing)?.routing;
  return (
    <section aria-label="Selected message" className="rounded-2xl border border-violet-300 dark:border-violet-700 bg-[var(--panel)] p-3 shadow-sm" data-testid="trace-card">
      <div className="flex items-center gap-2">
        <span className="font-mono text-sm font-semibold">{trace.messageId}</span>
        <span className={`rounded-full px-2 py-0.5 text-3xs font-semibold ${STATUS_STYLE[trace.status]}`}>{trace.status}</span>
        {trace.attempts > 1 && <span className="text-2xs text-[var(--muted)]">{trace.attempts} attempts</span>}
        <button type="button" onClick={onClose} className="ml-auto text-xs text-[var(--muted)] hover:text-[var(--ink)]" aria-label="Clear selection">
          ✕
        </button>
      </div>
      {trace.rttMs !== null && <div className="mt-1 font-mono text-xs">round trip {formatMs(trace.rttMs)}</div>}
      {trace.reason && <div className="mt-1 text-xs text-amber-700 dark:text-amber-300">{trace.reason}</div>}
      <ol className="mt-2 space-y-1 text-xs">
        {trace.hops.map((hop) => (
          <li key={hop.seq} className="flex flex-wrap items-center gap-x-2">
            <span className="h-2 w-2 shrink-0 rounded-full" style={{ backgroundColor: hopColor(hop) }} />
            <span className="w-36 shrink-0 font-medium">{hopCaption(hop)}</span>
            <span className="min-w-0 flex-1 truncate text-[var(--muted)]">
              {hop.from} → {hop.to}
            </span>
            <span className="font-mono text-[var(--muted)] tabular-nums">+{(hop.at - first).toFixed(3)}</span>
            {hop.reason && hop.reason !== trace.reason && <span className="basis-full pl-4 text-2xs text-[var(--muted)]">{hop.reason}</span>}
            {hop.call?.status?.details && hop.call.status.code !== "OK" && <span className="basis-full pl-4 text-2xs text-[var(--muted)]">{hop.call.status.details}</span>}
          </li>
        ))}
      </ol>
      {routing && (
        <ul className="mt-2 space-y-0.5 border-t border-[var(--line)] pt-2 text-xs" aria-label="Why each binding matched" data-testid="routing-verdicts">
          {routing.map((r) => (
            <li key={r.queue} className="flex gap-2">
              <span className={r.matched ? "text-emerald-600 dark:text-emerald-400" : "text-rose-600 dark:text-rose-400"}>{r.matched ? "✓" : "✗"}</span>
              <span className="font-mono">{r.queue}</span>
              <span className="min-w-0 flex-1 truncate text-[var(--muted)]" title={`${r.binding}: ${r.why}`}>
                {r.why}
              </span>
            </li>
          ))}
        </ul>
      )}
      {trace.hops[0] && <div className="mt-2 truncate font-mono text-3xs text-[var(--muted)]" title={trace.hops[0].message.preview}>{trace.hops[0].message.preview}</div>}
    </section>
  );
}
