import { unwitnessedParts, type CrossCheck, type GroupLag, type SettleCheck, type StreamPending } from "../lib/crosscheck";
import type { QueueCounters } from "../lib/rabbitmq-firehose";
import type { CrossCheckControl } from "../lib/client/crosscheck";
import type { ScenarioInfo, TransportId } from "../lib/protocol";
import { BROKER_NAMES } from "./BrokerStrip";
import { Panel } from "./Panel";

/** Disagreeing ids listed: enough to look one up in the event log, few enough to read aloud. */
const SHOWN_IDS = 3;

interface BrokerViewPanelProps {
  info: ScenarioInfo;
  /** The brokers the witness taps for this scenario; never empty here. */
  witnessed: readonly TransportId[];
  control: CrossCheckControl;
  presenter: boolean;
  running: boolean;
}

/** The broker as a witness: what it saw published, held against what the actors reported. */
export function BrokerViewPanel({ info, witnessed, control, presenter, running }: BrokerViewPanelProps) {
  const { view, error, switching, turn } = control;
  const on = view?.on ?? false;
  const result = view?.result ?? null;
  const names = witnessed.map((b) => BROKER_NAMES[b]).join(" and ");
  return (
    <Panel
      title="Broker's view"
      testId="broker-view"
      bodyClassName="space-y-2 p-3"
      aside={
        <span className={`rounded-full px-2 py-0.5 text-2xs font-semibold ${on ? "bg-emerald-500/15 text-emerald-800 dark:text-emerald-300" : "bg-slate-500/10 text-slate-600 dark:text-slate-300"}`} data-testid="broker-view-state">
          {on ? "cross-check on" : "cross-check off"}
        </span>
      }
    >
      <div className="flex flex-wrap items-center gap-2">
        <p className="min-w-0 flex-1 text-xs text-[var(--muted)]" data-testid="broker-view-witnessed">
          {on ? (
            <>
              Witnessing <b className="font-semibold text-[var(--ink)]">{names}</b>
            </>
          ) : presenter ? (
            `Ask ${names} what it saw published, and hold it against the actors' reports.`
          ) : (
            `Off: the presenter can ask ${names} what it saw published.`
          )}
        </p>
        {presenter && (
          <button
            type="button"
            className="rounded-lg border border-[var(--line)] px-3 py-1.5 text-sm font-medium transition hover:bg-black/5 disabled:opacity-40 dark:hover:bg-white/5"
            disabled={switching || (!on && !running)}
            title={!on && !running ? "Start the scenario first: the broker is asked about its traffic" : undefined}
            onClick={() => void turn(!on)}
          >
            {on ? "Stop cross-check" : "Cross-check with the broker"}
          </button>
        )}
      </div>
      {error && (
        <p className="text-xs text-rose-700 dark:text-rose-300" role="alert" data-testid="broker-view-error">
          {error}
        </p>
      )}
      {on && result && <Figures result={result} />}
      {on && result?.settles && <SideBySide check={result.settles} testId="broker-view-settles" what="Settles (acks, naks, give-ups)" agreed="heard by both" theirs="only the stream heard" />}
      {on && result?.deliveries && <SideBySide check={result.deliveries} testId="broker-view-deliveries" what="Deliveries, by NATS's trace" agreed="seen by both" theirs="only the trace shows" listed />}
      {on && view?.natsTracing && !view.natsTracing.on && (
        <p className="text-2xs leading-snug text-[var(--muted)]" data-testid="broker-view-tracing">
          {view.natsTracing.note}
        </p>
      )}
      {on && <BrokerFacts pending={view?.pending ?? []} lag={view?.lag ?? []} queues={view?.queues ?? []} />}
      {on && <p className="text-2xs leading-snug text-[var(--muted)]" data-testid="broker-view-blind-spot">{blindSpot(info, witnessed, view?.natsTracing?.on ?? false)}</p>}
    </Panel>
  );
}

function Figures({ result }: { result: CrossCheck }) {
  const disagreeing = [...result.brokerOnly.ids.map((id) => ({ id, side: "broker only" })), ...result.actorsOnly.ids.map((id) => ({ id, side: "actors only" }))].slice(0, SHOWN_IDS);
  const cells = [
    { key: "both", label: "Both saw", value: result.both, alarm: false },
    { key: "actors-only", label: "Actors only", value: result.actorsOnly.count, alarm: result.actorsOnly.count > 0 },
    { key: "broker-only", label: "Broker only", value: result.brokerOnly.count, alarm: result.brokerOnly.count > 0 },
  ];
  return (
    <>
      <div className="grid grid-cols-3 gap-px overflow-hidden rounded-xl border border-[var(--line)] bg-[var(--line)]">
        {cells.map(({ key, label, value, alarm }) => (
          <div key={key} className="bg-[var(--panel)] px-3 py-2" data-testid={`broker-view-${key}`}>
            <div className="text-2xs text-[var(--muted)]">{label}</div>
            <div className={`font-mono text-lg font-semibold tabular-nums ${alarm ? "text-rose-600 dark:text-rose-400" : ""}`} data-testid="broker-view-value">
              {value}
            </div>
          </div>
        ))}
      </div>
      {disagreeing.length > 0 && (
        <ul className="space-y-0.5 text-xs" aria-label="Messages the two sides disagree on" data-testid="broker-view-ids">
          {disagreeing.map(({ id, side }) => (
            <li key={`${side}:${id}`} className="flex gap-2">
              <span className="truncate font-mono font-semibold">{id}</span>
              <span className="shrink-0 text-[var(--muted)]">{side}</span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/**
 * One fact both sides tell of, held against each other: JetStream's settles (every ack, nak and
 * give-up the stream heard) or NATS's deliveries (which connection got each traced message).
 */
function SideBySide({ check, testId, what, agreed, theirs, listed = false }: { check: SettleCheck; testId: string; what: string; agreed: string; theirs: string; listed?: boolean }) {
  const disagree = check.actorsOnly.count > 0 || check.brokerOnly.count > 0;
  const ids = [...check.brokerOnly.ids.map((id) => `${id} (${theirs})`), ...check.actorsOnly.ids.map((id) => `${id} (only the actors reported)`)].slice(0, SHOWN_IDS);
  return (
    <div className={`text-xs ${disagree ? "font-semibold text-rose-700 dark:text-rose-300" : "text-[var(--muted)]"}`} data-testid={testId}>
      <p>
        {what}: <b className="font-mono tabular-nums">{check.both}</b> {agreed}
        {disagree && (
          <>
            , <b className="font-mono tabular-nums">{check.actorsOnly.count}</b> only the actors reported, <b className="font-mono tabular-nums">{check.brokerOnly.count}</b> {theirs}
          </>
        )}
      </p>
      {listed && ids.length > 0 && (
        <ul className="mt-0.5 space-y-0.5 font-mono" aria-label={`${what}: where the two sides disagree`}>
          {ids.map((id) => (
            <li key={id} className="truncate">
              {id}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * What the broker itself holds right now, read from it rather than from any actor: a stream's
 * pending entries per consumer (what XAUTOCLAIM would act on) and a group's lag behind its topic.
 */
function BrokerFacts({ pending, lag, queues }: { pending: readonly StreamPending[]; lag: readonly GroupLag[]; queues: readonly QueueCounters[] }) {
  if (pending.length === 0 && lag.length === 0 && queues.length === 0) return null;
  return (
    <dl className="space-y-1 rounded-xl border border-[var(--line)] px-3 py-2 text-xs" aria-label="What the broker holds now" data-testid="broker-view-facts">
      {pending.map((p) => (
        <div key={`pending:${p.stream}:${p.group}`} className="flex flex-wrap items-baseline gap-x-2" data-testid="broker-view-pending">
          <dt className="text-[var(--muted)]">
            Redis pending · <span className="font-mono">{p.stream}</span>, group {p.group}:
          </dt>
          <dd className="font-mono font-semibold tabular-nums" data-testid="broker-view-value">
            {p.pending}
          </dd>
          {p.byConsumer.length > 0 && <dd className="text-[var(--muted)]">{p.byConsumer.map((c) => `${c.consumer} ${c.pending}`).join(" · ")}</dd>}
        </div>
      ))}
      {queues.map((q) => (
        // RabbitMQ's counters refresh every few seconds: acks are counted by the queue, never per message.
        <div key={`queue:${q.queue}`} className="flex flex-wrap items-baseline gap-x-2" data-testid="broker-view-queue">
          <dt className="text-[var(--muted)]">
            RabbitMQ · <span className="font-mono">{q.queue}</span>:
          </dt>
          <dd>
            <b className="font-mono tabular-nums" data-testid="broker-view-value">{q.ready}</b> ready
          </dd>
          <dd>
            <b className="font-mono tabular-nums">{q.unacked}</b> unacked
          </dd>
          <dd>
            <b className="font-mono tabular-nums">{q.acked}</b> acked
          </dd>
          {q.redelivered > 0 && (
            <dd>
              <b className="font-mono tabular-nums">{q.redelivered}</b> redelivered
            </dd>
          )}
        </div>
      ))}
      {lag.map((l) => (
        <div key={`lag:${l.topic}:${l.group}`} className="flex flex-wrap items-baseline gap-x-2" data-testid="broker-view-lag">
          <dt className="text-[var(--muted)]">
            Kafka lag · group {l.group} on <span className="font-mono">{l.topic}</span>:
          </dt>
          <dd className="font-mono font-semibold tabular-nums" data-testid="broker-view-value">
            {l.lag}
          </dd>
          <dd className="text-[var(--muted)]">of {l.end} written</dd>
        </div>
      ))}
    </dl>
  );
}

/** What the witness cannot tell, said once, so a match is not read as more than it is. */
function blindSpot(info: ScenarioInfo, witnessed: readonly TransportId[], natsTraces: boolean): string {
  const notCompared = unwitnessedParts(info);
  const kafka = witnessed.includes("kafka") ? "; Kafka topics made after the switch are not tapped" : "";
  const rest = notCompared.length > 0 ? `; ${notCompared.join(", ")} are not compared` : "";
  // The firehose names connections, where the other taps cannot; it cannot see acks, and costs RabbitMQ.
  const rabbitmq = witnessed.includes("rabbitmq") ? "; RabbitMQ's firehose names the connections but not acks (the queue's counters have those), and slows RabbitMQ while on" : "";
  if (witnessed.every((b) => b === "rabbitmq")) return `RabbitMQ's firehose sees each message reach its queue and each delivery, with the connections that sent and took it; acks show only in the queue's counters, and the firehose slows RabbitMQ while on${rest}.`;
  // NATS's trace names the receiving connection of each core message (not a JetStream consumer's).
  const receiver = natsTraces && witnessed.every((b) => b === "nats") ? "not who sent it; NATS's trace says who received it" : "not who sent it or who received it";
  return `The tap sees each message reach the broker, ${receiver}${kafka}${rabbitmq}${rest}.`;
}
