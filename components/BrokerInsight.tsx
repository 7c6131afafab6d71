"use client";
import { useCallback, useState, type ReactNode } from "react";
import type { PeekOutcome } from "../lib/client/peek";
import type { PeekQueue, PeekResult, PeekStream, PeekTargetInfo, PeekTopic } from "../lib/protocol";
import { RATE_KINDS, RATE_WINDOW_MS, type KindRates, type RateKind } from "../lib/rates";
import { Modal } from "./Modal";

const RATE_LABELS: Record<RateKind, string> = { published: "published", delivered: "delivered", acked: "acked", redelivered: "redelivered", dropped: "dropped" };
const RATE_TONES: Record<RateKind, string> = {
  published: "text-[var(--ink)]",
  delivered: "text-[var(--ink)]",
  acked: "text-emerald-700 dark:text-emerald-300",
  redelivered: "text-amber-700 dark:text-amber-300",
  dropped: "text-rose-700 dark:text-rose-300",
};

function perSecond(rate: number): string {
  if (rate === 0) return "0";
  if (rate < 10) return rate.toFixed(1);
  return Math.round(rate).toLocaleString("en");
}

/** Messages per second by what happened to them, over the last few seconds of live hops. */
export function RatesReadout({ rates }: { rates: KindRates }) {
  return (
    <section aria-label="Rates" className="rounded-xl border border-[var(--line)] bg-[var(--panel)] px-3 py-2" data-testid="rates">
      <div className="text-[11px] text-[var(--muted)]">
        Messages per second <span>(last {RATE_WINDOW_MS / 1000} s, from the hops)</span>
      </div>
      <div className="mt-1 grid grid-cols-5 gap-1">
        {RATE_KINDS.map((kind) => (
          <div key={kind} className="min-w-0">
            <div className="truncate text-[11px] text-[var(--muted)]">{RATE_LABELS[kind]}</div>
            <div className={`font-mono text-base font-semibold tabular-nums ${rates[kind] === 0 ? "text-[var(--muted)]" : RATE_TONES[kind]}`} data-testid={`rate-${kind}`}>
              {perSecond(rates[kind])}
            </div>
          </div>
        ))}
      </div>
    </section>
  );
}

/** For the presenter: a button per thing the broker stores that the scenario lets them look into. */
export function PeekButtons({ targets, peek }: { targets: readonly PeekTargetInfo[]; peek: (target: string) => Promise<PeekOutcome> }) {
  const [open, setOpen] = useState<PeekTargetInfo | null>(null);
  const [outcome, setOutcome] = useState<PeekOutcome | null>(null);
  const [loading, setLoading] = useState(false);
  const load = useCallback(
    async (target: PeekTargetInfo) => {
      setLoading(true);
      setOutcome(await peek(target.id));
      setLoading(false);
    },
    [peek],
  );
  const show = (target: PeekTargetInfo) => {
    setOpen(target);
    setOutcome(null);
    void load(target);
  };
  return (
    <section aria-label="Broker contents" className="flex flex-wrap items-center gap-2 rounded-xl border border-[var(--line)] bg-[var(--panel)] px-3 py-2">
      <span className="text-[11px] text-[var(--muted)]">What the broker stores</span>
      {targets.map((target) => (
        <button
          key={target.id}
          type="button"
          onClick={() => show(target)}
          className="rounded-md border border-violet-500/40 px-2 py-0.5 text-xs font-semibold text-violet-700 transition hover:bg-violet-500 hover:text-white dark:text-violet-300"
          data-testid={`peek-${target.id}`}
          title={`Read ${target.label} on the broker without taking anything from it`}
        >
          Peek <span className="font-mono font-medium">{target.label}</span>
        </button>
      ))}
      <Modal
        open={open !== null}
        onClose={() => setOpen(null)}
        testId="peek-panel"
        className="w-[min(64rem,calc(100vw-2rem))]"
        title={
          <>
            Peek at <span className="font-mono">{open?.label}</span>
          </>
        }
        subtitle={outcome?.ok ? outcome.result.method : "Read from the broker by the server, leaving it as it was"}
      >
        <div className="mb-4 flex items-center gap-3">
          <button
            type="button"
            onClick={() => open && void load(open)}
            disabled={loading}
            className="rounded-lg border border-[var(--line)] px-3 py-1 text-sm font-medium text-[var(--ink)] transition hover:bg-black/5 disabled:opacity-50 dark:hover:bg-white/5"
            data-testid="peek-refresh"
          >
            {loading ? "Reading…" : "Read again"}
          </button>
          {outcome?.ok && <span className="text-sm text-[var(--muted)]">as of {new Date(outcome.result.at).toLocaleTimeString("en-GB")}</span>}
        </div>
        {outcome && !outcome.ok && (
          <p className="rounded-lg bg-rose-500/10 px-3 py-2 text-base text-rose-700 dark:text-rose-300" role="alert" data-testid="peek-error">
            {outcome.message}
          </p>
        )}
        {outcome?.ok && <PeekBody result={outcome.result} />}
      </Modal>
    </section>
  );
}

function PeekBody({ result }: { result: PeekResult }) {
  switch (result.kind) {
    case "queue":
      return <QueueBody result={result} />;
    case "stream":
      return <StreamBody result={result} />;
    case "topic":
      return <TopicBody result={result} />;
  }
}

const TH = "px-2 py-1.5 text-left text-xs font-semibold tracking-wider text-[var(--muted)] uppercase";
const TD = "px-2 py-1.5 align-top";

function Summary({ children }: { children: ReactNode }) {
  return (
    <p className="mb-3 text-lg" data-testid="peek-summary">
      {children}
    </p>
  );
}

function Empty({ children }: { children: ReactNode }) {
  return <p className="rounded-lg border border-dashed border-[var(--line)] px-3 py-6 text-center text-base text-[var(--muted)]">{children}</p>;
}

function QueueBody({ result }: { result: PeekQueue }) {
  return (
    <>
      <Summary>
        <b className="tabular-nums">{result.total}</b> message{result.total === 1 ? "" : "s"} in the queue
        {result.messages.length < result.total && <span className="text-[var(--muted)]">, the first {result.messages.length} shown (the next out first)</span>}
      </Summary>
      {result.messages.length === 0 ? (
        <Empty>Empty: nothing is parked.</Empty>
      ) : (
        <table className="w-full border-collapse text-base" data-testid="peek-rows">
          <thead className="border-b border-[var(--line)]">
            <tr>
              <th className={TH}>#</th>
              <th className={TH}>message</th>
              <th className={TH}>why it is here</th>
              <th className={`${TH} text-right`}>bytes</th>
              <th className={TH}>payload</th>
            </tr>
          </thead>
          <tbody>
            {result.messages.map((m) => (
              <tr key={m.position} className="border-b border-[var(--line)]/60" data-testid="peek-row" data-message-id={m.messageId ?? ""}>
                <td className={`${TD} font-mono tabular-nums text-[var(--muted)]`}>{m.position}</td>
                <td className={`${TD} font-mono`}>{m.messageId ?? "—"}</td>
                <td className={TD}>
                  {m.death ? `${m.death.reason} in ${m.death.queue}${m.death.count > 1 ? ` ×${m.death.count}` : ""}` : "parked by its worker"}
                  {m.attempts !== null && <span className="text-[var(--muted)]"> · {m.attempts} attempt{m.attempts === 1 ? "" : "s"}</span>}
                </td>
                <td className={`${TD} text-right font-mono tabular-nums`}>{m.size}</td>
                <td className={`${TD} max-w-[22rem] truncate font-mono text-sm text-[var(--muted)]`} title={m.preview}>
                  {m.preview}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

function StreamBody({ result }: { result: PeekStream }) {
  const claimAfter = result.claimableAfterMs;
  return (
    <>
      <Summary>
        <b className="tabular-nums">{result.length}</b> entr{result.length === 1 ? "y" : "ies"} in the stream
        {claimAfter !== null && <span className="text-[var(--muted)]"> · a pending entry idle for {seconds(claimAfter)} may be claimed (XAUTOCLAIM)</span>}
      </Summary>
      {result.groups.length > 0 && (
        <ul className="mb-3 flex flex-wrap gap-2 text-sm">
          {result.groups.map((g) => (
            <li key={g.name} className="rounded-lg bg-sky-500/10 px-2 py-0.5 text-sky-800 dark:text-sky-200">
              group <b>{g.name}</b>: {g.pending} pending, last delivered <span className="font-mono">{g.lastDeliveredId}</span>
            </li>
          ))}
        </ul>
      )}
      {result.entries.length === 0 ? (
        <Empty>No entries.</Empty>
      ) : (
        <table className="w-full border-collapse text-base" data-testid="peek-rows">
          <thead className="border-b border-[var(--line)]">
            <tr>
              <th className={TH}>entry</th>
              <th className={TH}>message</th>
              <th className={TH}>pending with</th>
              <th className={TH}>payload</th>
            </tr>
          </thead>
          <tbody>
            {result.entries.map((e) => (
              <tr key={e.id} className="border-b border-[var(--line)]/60" data-testid="peek-row" data-message-id={e.messageId ?? ""}>
                <td className={`${TD} font-mono text-sm`}>{e.id}</td>
                <td className={`${TD} font-mono`}>{e.messageId ?? "—"}</td>
                <td className={TD}>
                  {e.pending.length === 0 ? (
                    <span className="text-[var(--muted)]">acked or not read yet</span>
                  ) : (
                    e.pending.map((p) => {
                      const claimable = claimAfter !== null && p.idleMs >= claimAfter;
                      return (
                        <div key={p.group} data-testid="peek-pending">
                          <span className="font-mono">{p.consumer}</span> <span className="text-[var(--muted)]">({p.group})</span> idle {seconds(p.idleMs)}
                          {p.deliveries > 1 && <span className="text-[var(--muted)]"> · delivered {p.deliveries}×</span>}
                          {claimable && <span className="ml-1 rounded bg-amber-500/20 px-1 text-sm font-semibold text-amber-800 dark:text-amber-200">claimable</span>}
                        </div>
                      );
                    })
                  )}
                </td>
                <td className={`${TD} max-w-[18rem] truncate font-mono text-sm text-[var(--muted)]`} title={e.preview}>
                  {e.preview}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function TopicBody({ result }: { result: PeekTopic }) {
  const stored = result.partitions.reduce((sum, p) => sum + (p.high - p.low), 0);
  return (
    <>
      <Summary>
        <b className="tabular-nums">{stored}</b> record{stored === 1 ? "" : "s"} stored over {result.partitions.length} partitions · group <b>{result.group}</b>
      </Summary>
      <table className="w-full border-collapse text-base" data-testid="peek-rows">
        <thead className="border-b border-[var(--line)]">
          <tr>
            <th className={TH}>partition</th>
            <th className={`${TH} text-right`}>earliest</th>
            <th className={`${TH} text-right`}>log end</th>
            <th className={`${TH} text-right`}>committed</th>
            <th className={`${TH} text-right`}>lag</th>
          </tr>
        </thead>
        <tbody>
          {result.partitions.map((p) => (
            <tr key={p.partition} className="border-b border-[var(--line)]/60 font-mono tabular-nums" data-testid="peek-row">
              <td className={TD}>{p.partition}</td>
              <td className={`${TD} text-right`}>{p.low}</td>
              <td className={`${TD} text-right`}>{p.high}</td>
              <td className={`${TD} text-right`}>{p.committed ?? "—"}</td>
              <td className={`${TD} text-right ${p.lag > 0 ? "font-semibold text-amber-700 dark:text-amber-300" : ""}`}>{p.lag}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
