import type { Guarantee, Ledger } from "../lib/protocol";

const CELLS: { key: keyof Omit<Ledger, "dropReasons" | "outOfOrder">; label: string; hint: string }[] = [
  { key: "published", label: "Published", hint: "Messages sent for the first time" },
  { key: "delivered", label: "Delivered", hint: "Messages that reached a consumer at least once" },
  { key: "redelivered", label: "Redelivered", hint: "Extra deliveries: retries and redeliveries" },
  { key: "completed", label: "Completed", hint: "Messages whose work finished and was confirmed" },
  { key: "duplicates", label: "Duplicates", hint: "Messages processed more than once" },
  { key: "inFlight", label: "In flight", hint: "Published but not settled yet" },
  { key: "dropped", label: "Dropped", hint: "Expected losses under at-most-once" },
  { key: "deadLettered", label: "Dead-lettered", hint: "Parked after too many failures" },
  { key: "lost", label: "Lost", hint: "Broken at-least-once promises" },
];

/** The delivery ledger, and one sentence that says what it means. */
export function LedgerPanel({ ledger, guarantee, checksKeyOrder }: { ledger: Ledger; guarantee: Guarantee; checksKeyOrder: boolean }) {
  const reasons = Object.entries(ledger.dropReasons);
  return (
    <section aria-label="Delivery ledger" data-testid="ledger">
      <div className="grid grid-cols-3 gap-px overflow-hidden rounded-xl border border-[var(--line)] bg-[var(--line)]">
        {CELLS.map(({ key, label, hint }) => {
          const value = ledger[key];
          const alarm = key === "lost" && value > 0;
          const warn = (key === "dropped" || key === "deadLettered") && value > 0;
          return (
            <div key={key} title={hint} className="bg-[var(--panel)] px-3 py-2" data-testid={`ledger-${key}`}>
              <div className="text-[11px] text-[var(--muted)]">{label}</div>
              <div data-testid="ledger-value" className={`font-mono text-lg font-semibold tabular-nums ${alarm ? "text-rose-600 dark:text-rose-400" : warn ? "text-amber-600 dark:text-amber-400" : ""}`}>{value}</div>
            </div>
          );
        })}
      </div>
      {checksKeyOrder && (
        <p
          className={`mt-2 rounded-lg border px-3 py-1.5 text-xs font-medium ${ledger.outOfOrder > 0 ? "border-rose-300 bg-rose-50 text-rose-700 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-300" : "border-emerald-300 bg-emerald-50 text-emerald-800 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-300"}`}
          data-testid="key-order"
          title="Each key's first deliveries, per consumer group, must follow the order the producer sent them in"
        >
          {ledger.outOfOrder > 0
            ? `Per-key order broken: ${ledger.outOfOrder} deliver${ledger.outOfOrder === 1 ? "y" : "ies"} arrived before an earlier message of the same key`
            : ledger.delivered > 0
              ? "Per-key order holds: every key's messages arrived in the order they were sent"
              : "Per-key order is checked on every delivery"}
        </p>
      )}
      <p className="mt-2 text-xs leading-relaxed text-[var(--muted)]" data-testid="ledger-verdict">
        {verdict(ledger, guarantee)}
      </p>
      {reasons.length > 0 && (
        <ul className="mt-1 space-y-0.5 text-xs text-amber-700 dark:text-amber-300">
          {reasons.map(([reason, count]) => (
            <li key={reason}>
              dropped: {reason} × {count} <span className="text-[var(--muted)]">(at-most-once, expected)</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function verdict(l: Ledger, guarantee: Guarantee): string {
  if (l.published === 0) return guarantee === "at-most-once" ? "At-most-once: a message may be dropped, never delivered twice by the broker." : "At-least-once: nothing may be lost; duplicates are possible.";
  if (guarantee === "at-least-once") {
    if (l.lost > 0) return `${l.lost} message(s) lost: the at-least-once promise was broken.`;
    const parked = l.deadLettered ? `, ${l.deadLettered} parked in the dead-letter queue` : "";
    if (l.inFlight > 0) return `Nothing lost so far: ${l.published - l.inFlight} of ${l.published} settled${parked}, ${l.inFlight} still in flight.`;
    return `Nothing lost: all ${l.published} messages are accounted for${parked}.`;
  }
  const settled = l.completed + l.dropped;
  const summary = `At-most-once: ${l.completed} of ${l.published} completed${l.dropped ? `, ${l.dropped} dropped as the guarantee allows` : ""}${l.inFlight ? `, ${l.inFlight} still in flight` : settled === l.published ? "; every message is accounted for" : ""}.`;
  const twice = l.duplicates ? ` ${l.duplicates} ${l.duplicates === 1 ? "was" : "were"} processed twice: a retry went out while the first attempt was still being worked on.` : "";
  return summary + twice;
}
