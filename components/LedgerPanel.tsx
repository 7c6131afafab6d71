import { crossCheckVerdict, type CrossCheck } from "../lib/crosscheck";
import { GUARANTEE_LABELS, type CallCounts, type Guarantee, type Ledger, type LegLedger } from "../lib/protocol";

type MessageCount = "published" | "delivered" | "redelivered" | "completed" | "duplicates" | "inFlight" | "dropped" | "deadLettered" | "lost";
/** Compensation is counted only where a saga declares it, and only of whole sagas. */
type Count = MessageCount | "compensated";
type Cell = { key: Count; label: string; hint: string };

const CELLS: Cell[] = [
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

/** Where the ledger counts business actions (orders): what the headline shows of each. */
function unitCells(unit: string, compensates: boolean, readModel: boolean): Cell[] {
  const units = plural(unit);
  // A write counts once the read model shows it; until then it is the read side's lag.
  if (readModel)
    return [
      { key: "published", label: `${capital(units)} written`, hint: `${capital(units)} appended to the event store` },
      { key: "completed", label: "Projected", hint: `${capital(units)} the read model shows` },
      { key: "inFlight", label: "Not projected yet", hint: `${capital(units)} written that the read model does not show yet: the read side's lag` },
      { key: "duplicates", label: "Read again", hint: "Events a projector read again after taking over from the last commit, and found already applied" },
      { key: "dropped", label: "Not written", hint: `${capital(units)} the event store did not confirm` },
      { key: "lost", label: "Lost", hint: `${capital(units)} written that can never reach the read model: a broken promise` },
    ];
  // A saga ends completed or compensated; one that can do neither is stuck, whatever lost its message.
  if (compensates)
    return [
      { key: "published", label: `${capital(units)} started`, hint: `${capital(units)} whose first event was published` },
      { key: "completed", label: "Completed", hint: `${capital(units)} whose every step succeeded` },
      { key: "compensated", label: "Compensated", hint: `${capital(units)} that failed a step and undid what the steps before it had done` },
      { key: "inFlight", label: "In flight", hint: `${capital(units)} started and not ended yet` },
      { key: "deadLettered", label: "Dead-lettered", hint: `${capital(units)} with an event parked after too many failures` },
      { key: "lost", label: "Stuck", hint: `${capital(units)} that can neither complete nor compensate: an event of theirs was lost. Must stay 0` },
    ];
  return [
    { key: "published", label: `${capital(units)} started`, hint: `${capital(units)} started: their first message was published` },
    { key: "completed", label: "Completed", hint: `${capital(units)} whose every required leg finished and was confirmed` },
    { key: "inFlight", label: "In flight", hint: `${capital(units)} started but not settled yet` },
    { key: "dropped", label: "Dropped", hint: `${capital(units)} that ended early, as their legs allow: declined, or timed out after retries` },
    { key: "deadLettered", label: "Dead-lettered", hint: `${capital(units)} with a message parked after too many failures` },
    { key: "lost", label: "Lost", hint: `${capital(units)} with a message lost in an at-least-once leg: a broken promise` },
  ];
}

/** The figures of each leg, in the table under the headline. */
const LEG_ROWS: { key: MessageCount; label: string }[] = [
  { key: "published", label: "Published" },
  { key: "delivered", label: "Delivered" },
  { key: "redelivered", label: "Redelivered" },
  { key: "completed", label: "Completed" },
  { key: "dropped", label: "Dropped" },
  { key: "lost", label: "Lost" },
];

/** The delivery ledger, and in plain words what it means. */
export function LedgerPanel({ ledger, guarantee, checksKeyOrder, brokerCheck = null }: { ledger: Ledger; guarantee: Guarantee; checksKeyOrder: boolean; brokerCheck?: CrossCheck | null }) {
  const reasons = Object.entries(ledger.dropReasons);
  // Where the broker gave up on a message, the panel says why, as it does for expected drops.
  const lostReasons = Object.entries(ledger.lostReasons);
  const parkedReasons = Object.entries(ledger.deadLetterReasons).map(([reason, count]) => `${reason} × ${count}`);
  const compensatedReasons = Object.entries(ledger.compensatedReasons ?? {});
  const unit = ledger.unit;
  const legs = ledger.legs ?? [];
  if (ledger.calls) return <CallLedgerPanel ledger={ledger} calls={ledger.calls} />;
  return (
    <section aria-label="Delivery ledger" data-testid="ledger" data-unit={unit}>
      <div className="grid grid-cols-3 gap-px overflow-hidden rounded-xl border border-[var(--line)] bg-[var(--line)]">
        {(unit ? unitCells(unit, ledger.compensated !== undefined, ledger.queries !== undefined) : CELLS).map(({ key, label, hint }) => {
          const value = ledger[key] ?? 0;
          const alarm = key === "lost" && value > 0;
          const warn = (key === "dropped" || key === "deadLettered") && value > 0;
          return (
            <div key={key} title={key === "deadLettered" && parkedReasons.length > 0 ? parkedReasons.join("\n") : hint} className="bg-[var(--panel)] px-3 py-2 stage:py-1" data-testid={`ledger-${key}`}>
              <div className="text-2xs text-[var(--muted)] stage:leading-tight">{label}</div>
              <div data-testid="ledger-value" className={`font-mono text-lg font-semibold tabular-nums stage:leading-tight ${alarm ? "text-rose-600 dark:text-rose-400" : warn ? "text-amber-600 dark:text-amber-400" : ""}`}>{value}</div>
            </div>
          );
        })}
      </div>
      {brokerCheck && <BrokerCheckLine check={brokerCheck} />}
      {ledger.queries && <QueryLine queries={ledger.queries} />}
      {unit && legs.length > 0 && <LegTable legs={legs} />}
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
      {/* On stage the presenter says it; the figures have the room. */}
      <p className="mt-2 text-xs leading-relaxed text-[var(--muted)] stage:hidden" data-testid="ledger-verdict">
        {unit ? unitVerdict(ledger, unit) : verdict(ledger, guarantee)}
      </p>
      {unit && legs.length > 0 && (
        <ul className="mt-1 space-y-0.5 text-xs leading-relaxed" data-testid="leg-verdicts">
          {legs.map((leg) => (
            <li key={leg.name} data-testid={`leg-verdict-${leg.name}`} className={leg.ledger.lost > 0 ? "font-medium text-rose-700 dark:text-rose-300" : "text-[var(--muted)]"}>
              <strong className="font-semibold text-[var(--ink)]">{capital(leg.name)}</strong> · {legVerdict(leg)}
            </li>
          ))}
        </ul>
      )}
      <ReasonList ending="compensated" reasons={compensatedReasons} className="text-violet-700 dark:text-violet-300" testId="ledger-compensated-reasons" />
      <ReasonList ending="dropped" reasons={reasons} className="text-amber-700 dark:text-amber-300" note={unit ? "(expected)" : "(at-most-once, expected)"} />
      {(ledger.missed ?? 0) > 0 && (
        <p className="mt-1 text-xs text-amber-700 dark:text-amber-300" data-testid="ledger-missed" title="Copies of a broadcast that a subscriber never got because it was down: pub/sub keeps nothing for it">
          missed while down: {ledger.missed} cop{ledger.missed === 1 ? "y" : "ies"} a subscriber never got <span className="text-[var(--muted)]">(at-most-once pub/sub, expected; not lost)</span>
        </p>
      )}
      <ReasonList ending={ledger.compensated === undefined ? "lost" : "stuck"} reasons={lostReasons} className="font-medium text-rose-700 dark:text-rose-300" testId="ledger-lost-reasons" />
    </section>
  );
}

/** Whether the broker's own taps saw what the ledger counts as published. */
function BrokerCheckLine({ check }: { check: CrossCheck }) {
  const silent = check.both + check.actorsOnly.count + check.brokerOnly.count === 0;
  const tone = check.confirmed
    ? "border-emerald-300 bg-emerald-50 text-emerald-800 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-300"
    : silent
      ? "border-[var(--line)] text-[var(--muted)]"
      : "border-rose-300 bg-rose-50 text-rose-700 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-300";
  return (
    <p className={`mt-2 rounded-lg border px-3 py-1.5 text-xs font-medium ${tone}`} data-testid="ledger-broker-check" data-confirmed={check.confirmed} title="The broker's taps, held against the actors' reports of what they published (the Broker's view panel)">
      {crossCheckVerdict(check)}
    </p>
  );
}

/** A read model's answers: fresh ones read the latest written version, stale ones an older one. */
function QueryLine({ queries }: { queries: { fresh: number; stale: number } }) {
  return (
    <p className="mt-2 flex gap-4 rounded-lg border border-[var(--line)] px-3 py-1.5 text-xs" data-testid="ledger-queries" title="Each query is checked against the latest version the write side has written">
      <span>
        Queries fresh <b className="font-mono text-sm text-emerald-700 tabular-nums dark:text-emerald-300" data-testid="ledger-queries-fresh">{queries.fresh}</b>
      </span>
      <span>
        stale <b className={`font-mono text-sm tabular-nums ${queries.stale > 0 ? "text-amber-600 dark:text-amber-400" : ""}`} data-testid="ledger-queries-stale">{queries.stale}</b>
      </span>
      <span className="text-[var(--muted)]">stale: the read model had not caught up with the writes yet (eventual consistency, expected)</span>
    </p>
  );
}

/** How many ended one way, by the reason their hops gave; nothing when none did. */
function ReasonList({ ending, reasons, className, testId, note }: { ending: string; reasons: [reason: string, count: number][]; className: string; testId?: string; note?: string }) {
  if (reasons.length === 0) return null;
  return (
    <ul className={`mt-1 space-y-0.5 text-xs ${className}`} data-testid={testId}>
      {reasons.map(([reason, count]) => (
        <li key={reason}>
          {ending}: {reason} × {count}
          {note && <span className="text-[var(--muted)]"> {note}</span>}
        </li>
      ))}
    </ul>
  );
}

type CallCell = { key: string; label: string; hint: string; value: number; tone?: "warn" | "good" };

/**
 * A scenario that makes calls (gRPC): calls, not messages, by how each ended for its caller.
 * Nothing here is lost or redelivered: no broker held a call, and every failure reached the caller.
 */
function CallLedgerPanel({ ledger, calls }: { ledger: Ledger; calls: CallCounts }) {
  const failed = Object.entries(calls.failed).sort(([, a], [, b]) => b - a);
  const failedTotal = failed.reduce((sum, [, n]) => sum + n, 0);
  const cells: CallCell[] = [
    { key: "started", label: "Calls", hint: "Calls the client started", value: calls.started },
    { key: "ok", label: "OK", hint: "Calls whose caller got status OK", value: calls.ok, tone: "good" },
    { key: "retriedThenOk", label: "Retried → OK", hint: "OK calls answered on a later attempt: the retry policy sent them to another server", value: calls.retriedThenOk },
    { key: "inFlight", label: "In flight", hint: "Started, and the caller has no status yet", value: ledger.inFlight },
    { key: "failed", label: "Failed", hint: "Calls that ended with a status other than OK or CANCELLED", value: failedTotal, tone: "warn" },
    { key: "cancelled", label: "Cancelled", hint: "Calls the client cancelled before an answer", value: calls.cancelled, tone: "warn" },
  ];
  return (
    <section aria-label="Call ledger" data-testid="ledger" data-counts="calls">
      <div className="grid grid-cols-3 gap-px overflow-hidden rounded-xl border border-[var(--line)] bg-[var(--line)]">
        {cells.map(({ key, label, hint, value, tone }) => (
          <div key={key} title={hint} className="bg-[var(--panel)] px-3 py-2 stage:py-1" data-testid={`ledger-${key}`}>
            <div className="text-2xs text-[var(--muted)] stage:leading-tight">{label}</div>
            <div data-testid="ledger-value" className={`font-mono text-lg font-semibold tabular-nums stage:leading-tight ${tone === "warn" && value > 0 ? "text-amber-600 dark:text-amber-400" : tone === "good" && value > 0 ? "text-emerald-700 dark:text-emerald-300" : ""}`}>
              {value}
            </div>
          </div>
        ))}
      </div>
      {/* On stage the presenter says it; the figures have the room. */}
      <p className="mt-2 text-xs leading-relaxed text-[var(--muted)] stage:hidden" data-testid="ledger-verdict">
        {callVerdict(ledger, calls, failedTotal)}
      </p>
      {failed.length > 0 && (
        <ul className="mt-1 space-y-0.5 text-xs text-amber-700 dark:text-amber-300" data-testid="ledger-failed-codes">
          {failed.map(([code, count]) => (
            <li key={code}>
              failed: <span className="font-mono font-semibold">{code}</span> × {count}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function callVerdict(l: Ledger, calls: CallCounts, failed: number): string {
  const promise = "No broker holds a call, so none is redelivered; gRPC's promise is that the caller learns how every call ended.";
  if (calls.started === 0) return promise;
  const retried = calls.retriedThenOk ? ` (${calls.retriedThenOk} after a retry on another server)` : "";
  const parts = [failed ? `${failed} failed` : "", calls.cancelled ? `${calls.cancelled} cancelled` : "", l.inFlight ? `${l.inFlight} still waiting for a status` : ""].filter(Boolean);
  const whole = l.inFlight === 0 ? "; the caller learned how every call ended" : "";
  return `${calls.ok} of ${calls.started} call${calls.started === 1 ? "" : "s"} OK${retried}${parts.length ? `, ${parts.join(", ")}` : ""}${whole}. Nothing was redelivered: a retry is the client's own new attempt.`;
}

/** A leg's column is narrow: its guarantee in two words, the badge's wording on hover. */
const LEG_GUARANTEE_LABELS: Record<Guarantee, string> = { "at-least-once": "at-least-once", "at-most-once": "at-most-once", "caller-informed": "caller told" };

const GUARANTEE_TONES: Record<Guarantee, string> = {
  "at-least-once": "text-emerald-700 dark:text-emerald-300",
  "at-most-once": "text-amber-700 dark:text-amber-300",
  "caller-informed": "text-slate-600 dark:text-slate-300",
};

/** One column per leg, one row per figure: full words, large enough for the back of a room. */
function LegTable({ legs }: { legs: readonly LegLedger[] }) {
  return (
    <table className="mt-2 w-full table-fixed border-separate border-spacing-0 overflow-hidden rounded-xl border border-[var(--line)] text-sm" data-testid="ledger-legs">
      <colgroup>
        <col className="w-[6.5rem]" />
        {legs.map((leg) => (
          <col key={leg.name} />
        ))}
      </colgroup>
      <thead>
        <tr>
          <th scope="col" className="px-2 py-1.5 text-left align-bottom text-2xs font-normal text-[var(--muted)]">
            per leg
          </th>
          {legs.map((leg) => (
            <th key={leg.name} scope="col" className="px-1.5 py-1.5 text-right align-bottom" data-testid={`leg-${leg.name}`}>
              <span className="block truncate text-sm font-semibold">{leg.name}</span>
              <span className={`block truncate text-2xs font-medium ${GUARANTEE_TONES[leg.guarantee]}`} title={GUARANTEE_LABELS[leg.guarantee]}>
                {LEG_GUARANTEE_LABELS[leg.guarantee]}
              </span>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {LEG_ROWS.map(({ key, label }) => (
          <tr key={key} className="even:bg-black/[0.03] dark:even:bg-white/[0.04]">
            <th scope="row" className="border-t border-[var(--line)] px-2 py-1 text-left text-xs font-normal text-[var(--muted)]">
              {label}
            </th>
            {legs.map((leg) => {
              const value = leg.ledger[key];
              const promised = leg.guarantee === "at-least-once";
              const tone =
                key === "lost" && value > 0
                  ? "text-rose-600 dark:text-rose-400"
                  : key === "lost" && promised
                    ? "text-emerald-700 dark:text-emerald-300"
                    : key === "dropped" && value > 0
                      ? "text-amber-600 dark:text-amber-400"
                      : "";
              const byReason = key === "dropped" ? leg.ledger.dropReasons : key === "lost" ? leg.ledger.lostReasons : {};
              const reasons = Object.entries(byReason).map(([reason, count]) => `${reason} × ${count}`);
              return (
                <td key={leg.name} className={`border-t border-[var(--line)] px-1.5 py-1 text-right font-mono text-base font-semibold tabular-nums ${tone}`} data-testid={`leg-${leg.name}-${key}`} title={reasons.length ? reasons.join("\n") : undefined}>
                  {value}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
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

/** The business actions as a whole; each leg then speaks for its own guarantee. */
function unitVerdict(l: Ledger, unit: string): string {
  const units = plural(unit);
  const compensates = l.compensated !== undefined;
  if (l.queries) {
    if (l.published === 0) return `Each ${unit} is counted once: written when the event store confirms it, projected when the read model shows it.`;
    const lag = l.inFlight ? `; ${l.inFlight} not in the read model yet: until the projector catches up, queries read an older version` : "; the read model shows every one";
    return `${l.completed} of ${l.published} ${l.published === 1 ? unit : units} projected${l.lost ? `, ${l.lost} lost` : ""}${lag}.`;
  }
  if (l.published === 0 && compensates) return `Each ${unit} is counted once, from its first event to its last: completed, or compensated when a step fails; none may be stuck.`;
  if (l.published === 0) return `Each ${unit} is counted once, across every broker it crosses; each leg below keeps its own guarantee.`;
  const parts = [
    compensates ? `${l.compensated} compensated` : "",
    l.dropped ? `${l.dropped} dropped` : "",
    l.deadLettered ? `${l.deadLettered} dead-lettered` : "",
    l.lost ? `${l.lost} ${compensates ? "stuck" : "lost"}` : "",
    l.inFlight ? `${l.inFlight} still in flight` : "",
  ].filter(Boolean);
  const settled = l.completed + (l.compensated ?? 0) + l.dropped + l.deadLettered + l.lost;
  const whole = !l.inFlight && settled === l.published ? `; every ${unit} is accounted for` : "";
  return `${l.completed} of ${l.published} ${l.published === 1 ? unit : units} completed${parts.length ? `, ${parts.join(", ")}` : ""}${whole}.`;
}

/** One leg in words: where it is at-least-once, whether anything was lost, said every time. */
function legVerdict({ guarantee, ledger: l }: LegLedger): string {
  if (guarantee === "at-most-once") return verdict(l, guarantee);
  if (l.calls) return callVerdict(l, l.calls, Object.values(l.calls.failed).reduce((sum, n) => sum + n, 0));
  if (l.published === 0) return "At-least-once: nothing may be lost; duplicates are possible.";
  if (l.lost > 0) return `At-least-once promise broken: ${l.lost} message(s) lost.`;
  const redelivered = l.redelivered ? `, ${l.redelivered} redelivered` : "";
  const parked = l.deadLettered ? `, ${l.deadLettered} parked in the dead-letter queue` : "";
  if (l.inFlight > 0) return `At-least-once, nothing lost so far: ${l.published - l.inFlight} of ${l.published} settled${redelivered}${parked}, ${l.inFlight} still in flight.`;
  return `At-least-once, nothing lost: all ${l.published} messages are accounted for${redelivered}${parked}.`;
}

function plural(word: string): string {
  return /(s|x|ch|sh)$/.test(word) ? `${word}es` : `${word}s`;
}

function capital(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
