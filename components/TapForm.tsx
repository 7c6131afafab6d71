"use client";
import { useState, type FormEvent } from "react";
import { parseTapList, TAP_FIELDS, tapFieldOfError, type TapField, type TapRequest, type TapStatus } from "../lib/observed";
import type { TapOutcome } from "../lib/client/taps";

const FIELDS: Record<TapField, { label: string; hint: string; placeholder: string }> = {
  nats: { label: "NATS subjects", hint: "wildcards * and > allowed", placeholder: "orders.>  payments.*" },
  redis: { label: "Redis channels", hint: "glob patterns allowed", placeholder: "orders:*  notifications" },
  kafka: { label: "Kafka topics", hint: "existing topics, read from their end", placeholder: "orders" },
  rabbitmq: { label: "RabbitMQ queues", hint: "existing queues, through the firehose", placeholder: "billing.jobs" },
};

interface TapFormProps {
  /** What taps run now, as the server last said; null until it has. */
  status: TapStatus | null;
  presenter: boolean;
  onApply: (targets: TapRequest) => Promise<TapOutcome>;
}

/** Where the presenter says what to tap, and everyone sees what is tapped. */
export function TapForm({ status, presenter, onApply }: TapFormProps) {
  const [texts, setTexts] = useState<Record<TapField, string>>({ nats: "", redis: "", kafka: "", rabbitmq: "" });
  const [error, setError] = useState<{ field: TapField | null; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [monitor, setMonitor] = useState(false);
  const running = status?.since != null;

  const apply = async (targets: TapRequest) => {
    setBusy(true);
    const outcome = await onApply(targets);
    setBusy(false);
    setError(outcome.ok ? null : { field: tapFieldOfError(outcome.message), message: outcome.httpStatus ? `${outcome.httpStatus}: ${outcome.message}` : outcome.message });
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void apply({ nats: parseTapList(texts.nats), redis: parseTapList(texts.redis), kafka: parseTapList(texts.kafka), rabbitmq: parseTapList(texts.rabbitmq), redisMonitor: monitor });
  };

  return (
    <div className="space-y-3" data-testid="taps">
      <TapSummary status={status} />
      {presenter ? (
        <form onSubmit={submit} className="space-y-2.5" aria-label="Broker taps">
          {TAP_FIELDS.map((field) => {
            const fieldError = error?.field === field ? error.message : null;
            return (
              <div key={field}>
                <label htmlFor={`tap-${field}`} className="flex items-baseline justify-between text-sm font-medium">
                  {FIELDS[field].label} <span className="text-2xs font-normal text-[var(--muted)]">{FIELDS[field].hint}</span>
                </label>
                <input
                  id={`tap-${field}`}
                  value={texts[field]}
                  onChange={(e) => setTexts({ ...texts, [field]: e.target.value })}
                  placeholder={FIELDS[field].placeholder}
                  aria-invalid={fieldError !== null}
                  aria-describedby={fieldError ? `tap-${field}-error` : undefined}
                  spellCheck={false}
                  autoComplete="off"
                  className={`mt-1 w-full rounded-lg border bg-[var(--panel)] px-2.5 py-1.5 font-mono text-sm ${fieldError ? "border-rose-500" : "border-[var(--line)]"}`}
                />
                {field === "rabbitmq" && (
                  <p className="mt-1 text-xs text-amber-800 dark:text-amber-200" data-testid="tap-rabbitmq-cost">
                    Names publishers and consumers by their connections and shows redeliveries. The firehose copies every message in the vhost while it is on: it costs RabbitMQ throughput.
                  </p>
                )}
                {fieldError && (
                  <p id={`tap-${field}-error`} role="alert" className="mt-1 text-xs text-rose-700 dark:text-rose-300" data-testid={`tap-error-${field}`}>
                    {fieldError}
                  </p>
                )}
              </div>
            );
          })}
          <label className="flex items-start gap-2 text-sm">
            <input type="checkbox" checked={monitor} onChange={(e) => setMonitor(e.target.checked)} className="mt-1" data-testid="tap-redis-monitor" />
            <span>
              Watch Redis through <span className="font-mono">MONITOR</span>: names who publishes and shows stream writes.{" "}
              <span className="font-medium text-amber-800 dark:text-amber-200">It can halve Redis&rsquo;s throughput while on.</span>
            </span>
          </label>
          {error && error.field === null && (
            <p role="alert" className="text-xs text-rose-700 dark:text-rose-300" data-testid="tap-error">
              {error.message}
            </p>
          )}
          <div className="flex items-center gap-2">
            <button type="submit" disabled={busy} className="rounded-lg bg-violet-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-violet-700 disabled:opacity-50">
              {running ? "Replace taps" : "Start taps"}
            </button>
            <button
              type="button"
              disabled={busy || !running}
              onClick={() => void apply({ nats: [], redis: [], kafka: [] })}
              className="rounded-lg border border-[var(--line)] px-3 py-1.5 text-sm font-medium hover:bg-slate-500/10 disabled:opacity-40"
            >
              Stop taps
            </button>
            {busy && <span className="text-xs text-[var(--muted)]">asking the brokers…</span>}
          </div>
          <p className="text-xs text-[var(--muted)]">Your applications change nothing: Hopscope subscribes beside them, on its own connections.</p>
        </form>
      ) : (
        <p className="text-xs text-[var(--muted)]">The presenter chooses what is tapped.</p>
      )}
    </div>
  );
}

const TIME = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });

function TapSummary({ status }: { status: TapStatus | null }) {
  if (!status) return <p className="text-sm text-[var(--muted)]">Asking the server what is tapped…</p>;
  if (status.since === null) {
    return (
      <p className="text-sm" data-testid="taps-off">
        <span className="font-medium">No taps on.</span> <span className="text-[var(--muted)]">Spans sent to /v1/traces still show.</span>
      </p>
    );
  }
  return (
    <div data-testid="taps-on">
      <p className="text-sm font-medium">
        Tapping since {TIME.format(status.since)}
        {status.targets.redisMonitor && <span className="ml-2 font-normal text-amber-800 dark:text-amber-200">Redis through MONITOR: slower while on</span>}
        {status.targets.rabbitmq.length > 0 && <span className="ml-2 font-normal text-amber-800 dark:text-amber-200">RabbitMQ firehose on: slower while on</span>}
      </p>
      <ul className="mt-1 flex flex-wrap gap-1.5">
        {TAP_FIELDS.flatMap((field) =>
          status.targets[field].map((target) => (
            <li key={`${field}:${target}`} className="rounded-md bg-violet-500/10 px-2 py-0.5 font-mono text-xs text-violet-800 dark:text-violet-200">
              {FIELDS[field].label.split(" ")[0]} {target}
            </li>
          )),
        )}
      </ul>
    </div>
  );
}
