"use client";
import { crossCheckVerdict, witnessedBrokers, WITNESS_REACH, type CrossCheck, type GroupLag, type StreamPending } from "../lib/crosscheck";
import type { WitnessState } from "../lib/client/hooks";
import type { TransportId } from "../lib/protocol";
import { BROKER_NAMES } from "./BrokerStrip";
import { Panel } from "./Panel";

/** Disagreeing ids listed per side: the counts say the rest, and a projector has no room for fifty. */
const IDS_SHOWN = 3;

interface BrokerViewProps {
  brokers: readonly TransportId[];
  witness: WitnessState;
  presenter: boolean;
  running: boolean;
  /** What the ledger counts published and not settled yet, beside what the broker holds pending. */
  inFlight: number;
  /** The trace a message id belongs to, where the page holds its hops; null where it does not. */
  traceOf: (messageId: string) => string | null;
  onSelectTrace: (traceId: string) => void;
}

/** The broker as a witness: what its taps saw published against what the actors reported. */
export function BrokerView({ brokers, witness, presenter, running, inFlight, traceOf, onSelectTrace }: BrokerViewProps) {
  const { witnessed, unwitnessed } = witnessedBrokers(brokers);
  const { view, error, busy, setOn } = witness;
  const on = view?.on ?? false;
  const result = view?.result ?? null;
  const toggle =
    presenter && witnessed.length > 0 ? (
      <button
        type="button"
        aria-pressed={on}
        disabled={busy || (!on && !running)}
        title={running ? undefined : "Start the scenario first: the broker can only witness what its actors publish"}
        onClick={() => setOn(!on)}
        className={`rounded-lg px-2.5 py-1 text-xs font-medium transition disabled:cursor-not-allowed disabled:opacity-40 ${on ? "bg-violet-600 text-white hover:bg-violet-500" : "border border-[var(--line)] hover:bg-black/5 dark:hover:bg-white/5"}`}
      >
        {on ? "Cross-check on" : "Cross-check"}
      </button>
    ) : undefined;
  return (
    <Panel title="Broker's view" aside={toggle} bodyClassName="space-y-2 p-3 text-xs" testId="broker-view">
      {witnessed.length === 0 ? (
        <p className="text-[var(--muted)]">No tap can see this scenario&apos;s messages yet ({unwitnessed.map((b) => BROKER_NAMES[b]).join(", ")}): its ledger stands on its actors&apos; reports alone.</p>
      ) : on && result ? (
        <Counts result={result} traceOf={traceOf} onSelectTrace={onSelectTrace} />
      ) : (
        <p className="text-[var(--muted)]" data-testid="broker-view-off">
          {presenter ? "Turn the cross-check on and the broker's own taps" : "When the presenter turns the cross-check on, the broker's own taps"} count what was published, to hold it against what the actors reported.
        </p>
      )}
      {on && view?.pending && <PendingList pending={view.pending} inFlight={inFlight} />}
      {on && view?.lag && <LagList lag={view.lag} inFlight={inFlight} />}
      {error && (
        <p role="alert" className="font-medium text-rose-700 dark:text-rose-300">
          {error}
        </p>
      )}
      {witnessed.length > 0 && (
        <ul className="space-y-0.5 text-[var(--muted)]" data-testid="broker-view-reach">
          {witnessed.map((broker) => (
            <li key={broker}>
              <strong className="font-semibold text-[var(--ink)]">{BROKER_NAMES[broker]}</strong>: the tap sees {WITNESS_REACH[broker].sees}; not {WITNESS_REACH[broker].misses}.
            </li>
          ))}
          {unwitnessed.length > 0 && <li>{unwitnessed.map((b) => BROKER_NAMES[b]).join(", ")}: not tapped, left out on both sides.</li>}
        </ul>
      )}
    </Panel>
  );
}

function Counts({ result, traceOf, onSelectTrace }: { result: CrossCheck; traceOf: BrokerViewProps["traceOf"]; onSelectTrace: BrokerViewProps["onSelectTrace"] }) {
  const cells = [
    { key: "both", label: "Both saw", hint: "Published as the actors reported, and seen by the broker", value: result.both, alarm: false },
    { key: "actors-only", label: "Actors only", hint: "Reported published by an actor, never seen by the broker", value: result.actorsOnly.count, alarm: true },
    { key: "broker-only", label: "Broker only", hint: "Seen by the broker, reported by no actor: published behind their backs", value: result.brokerOnly.count, alarm: true },
  ];
  return (
    <>
      <div className="grid grid-cols-3 gap-px overflow-hidden rounded-xl border border-[var(--line)] bg-[var(--line)]">
        {cells.map(({ key, label, hint, value, alarm }) => (
          <div key={key} title={hint} className="bg-[var(--panel)] px-3 py-2" data-testid={`broker-view-${key}`}>
            <div className="text-2xs text-[var(--muted)]">{label}</div>
            <div data-testid="broker-view-value" className={`font-mono text-lg font-semibold tabular-nums ${alarm && value > 0 ? "text-rose-600 dark:text-rose-400" : ""}`}>
              {value}
            </div>
          </div>
        ))}
      </div>
      {result.settles && (
        <p data-testid="broker-view-settles" title="Acks, naks and give-ups: those the workers reported against those the stream heard, by stream sequence and delivery">
          <span className="text-[var(--muted)]">Settles: </span>
          both <b className="font-mono tabular-nums">{result.settles.both}</b> · actors only{" "}
          <b className={`font-mono tabular-nums ${result.settles.actorsOnly.count > 0 ? "text-rose-700 dark:text-rose-300" : ""}`}>{result.settles.actorsOnly.count}</b> · stream only{" "}
          <b className={`font-mono tabular-nums ${result.settles.brokerOnly.count > 0 ? "text-rose-700 dark:text-rose-300" : ""}`}>{result.settles.brokerOnly.count}</b>
        </p>
      )}
      <p className={result.confirmed ? "font-medium text-emerald-800 dark:text-emerald-300" : result.both + result.actorsOnly.count + result.brokerOnly.count === 0 ? "text-[var(--muted)]" : "font-medium text-rose-700 dark:text-rose-300"} data-testid="broker-view-verdict">
        {crossCheckVerdict(result)}
      </p>
      <IdList label="Only the actors reported" sample={result.actorsOnly} traceOf={traceOf} onSelectTrace={onSelectTrace} testId="broker-view-actors-only-ids" />
      <IdList label="Only the broker saw" sample={result.brokerOnly} traceOf={traceOf} onSelectTrace={onSelectTrace} testId="broker-view-broker-only-ids" />
    </>
  );
}

function IdList({ label, sample, traceOf, onSelectTrace, testId }: { label: string; sample: CrossCheck["brokerOnly"]; traceOf: BrokerViewProps["traceOf"]; onSelectTrace: BrokerViewProps["onSelectTrace"]; testId: string }) {
  if (sample.count === 0) return null;
  const shown = sample.ids.slice(0, IDS_SHOWN);
  return (
    <p data-testid={testId}>
      <span className="text-[var(--muted)]">{label}: </span>
      {shown.map((id, i) => {
        const traceId = traceOf(id);
        return (
          <span key={id}>
            {i > 0 && ", "}
            {traceId ? (
              <button type="button" className="font-mono underline decoration-dotted underline-offset-2 hover:text-violet-700 dark:hover:text-violet-300" onClick={() => onSelectTrace(traceId)}>
                {id}
              </button>
            ) : (
              <span className="font-mono">{id}</span>
            )}
          </span>
        );
      })}
      {sample.count > shown.length && <span className="text-[var(--muted)]"> and {sample.count - shown.length} more</span>}
    </p>
  );
}

/** Each stream group's pending entries as Redis holds them, beside the ledger's in flight. */
function PendingList({ pending, inFlight }: { pending: StreamPending[]; inFlight: number }) {
  return (
    <div data-testid="broker-view-pending" title="XPENDING per group, read every half second: entries a consumer read and has not XACKed yet">
      <p>
        <span className="text-[var(--muted)]">Redis holds pending: </span>
        {pending.length === 0 ? "no group yet" : pending.map((p) => `${p.group} ${p.pending}`).join(" · ")}
        <span className="text-[var(--muted)]"> · the ledger counts </span>
        <b className="font-mono tabular-nums">{inFlight}</b>
        <span className="text-[var(--muted)]"> message{inFlight === 1 ? "" : "s"} in flight (each group holds its own copy of a message)</span>
      </p>
      {pending.some((p) => p.byConsumer.length > 0) && (
        <ul className="text-[var(--muted)]">
          {pending
            .filter((p) => p.byConsumer.length > 0)
            .map((p) => (
              <li key={`${p.stream}/${p.group}`} data-testid={`broker-view-pending-${p.group}`}>
                {p.group}: {p.byConsumer.map((c) => `${c.consumer} ${c.pending}`).join(", ")}
              </li>
            ))}
        </ul>
      )}
    </div>
  );
}

/** Each group's lag as Kafka's coordinator holds it (the topic's end less its commits), beside the ledger's in flight. */
function LagList({ lag, inFlight }: { lag: GroupLag[]; inFlight: number }) {
  return (
    <p data-testid="broker-view-lag" title="admin fetchOffsets against fetchTopicOffsets, read every half second: records past each group's last commit">
      <span className="text-[var(--muted)]">Kafka&apos;s lag: </span>
      {lag.length === 0 ? "no group has committed yet" : lag.map((l) => `${l.group} ${l.lag}`).join(" · ")}
      <span className="text-[var(--muted)]"> · the ledger counts </span>
      <b className="font-mono tabular-nums">{inFlight}</b>
      <span className="text-[var(--muted)]"> message{inFlight === 1 ? "" : "s"} in flight (a group commits after it processes, so its lag can run ahead)</span>
    </p>
  );
}
