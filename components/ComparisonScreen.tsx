"use client";
import Link from "next/link";
import { useState, type ReactNode } from "react";
import type { ComparisonActions } from "../lib/client/comparison";
import type { ComparisonView, SideSummary } from "../lib/comparisons";
import { formatMs } from "../lib/hops";
import { GUARANTEE_LABELS, type CommandResult, type HealthReport, type ScenarioInfo } from "../lib/protocol";
import { allUp, BROKER_NAMES } from "./BrokerStrip";
import { LedgerPanel } from "./LedgerPanel";
import { Panel } from "./Panel";

const button = "inline-flex items-center justify-center rounded-lg px-3 py-1.5 text-sm font-medium transition disabled:cursor-not-allowed disabled:opacity-40";
const primary = `${button} bg-violet-600 text-white shadow-sm hover:bg-violet-500`;
const secondary = `${button} border border-[var(--line)] bg-[var(--panel)] hover:bg-black/5 dark:hover:bg-white/5`;
const danger = `${button} border border-rose-300 bg-rose-50 text-rose-700 hover:bg-rose-100 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-300`;

interface ComparisonScreenProps {
  view: ComparisonView;
  scenarios: readonly ScenarioInfo[];
  health: HealthReport | null;
  presenter: boolean;
  /** The presenter's controls act through these; a replay has none. */
  actions?: ComparisonActions;
  /** Replaying a recording: its clock, in place of the controls. */
  replay?: ReactNode;
  /** Live: record from now, and save what happened. */
  recorder?: ReactNode;
}

/** Two to four scenarios side by side: one set of controls for all, their ledgers, and the table the run produced. */
export function ComparisonScreen({ view, scenarios, health, presenter, actions, replay, recorder }: ComparisonScreenProps) {
  const { info, sides } = view;
  const [burst, setBurst] = useState(100);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const infoOf = (id: string) => scenarios.find((s) => s.id === id);
  const running = sides.every((side) => side.state.running);
  const brokersUp = sides.every((side) => allUp(infoOf(side.state.id)?.brokers ?? [], health));
  const run = async (label: string, action: () => Promise<CommandResult>) => {
    setBusy(true);
    setMessage(null);
    const answer = await action();
    setBusy(false);
    setMessage(describe(label, answer));
  };
  return (
    <div className="space-y-4" data-testid="comparison">
      <header className="flex flex-wrap items-end gap-x-4 gap-y-2">
        <div className="min-w-0">
          <div className="text-xs font-semibold tracking-wider text-[var(--muted)] uppercase">Side by side{replay ? " · recording" : ""}</div>
          <h1 className="mt-1 text-2xl font-semibold tracking-tight">{info.title}</h1>
          <p className="mt-1 max-w-4xl text-sm text-[var(--muted)]">{info.summary}</p>
        </div>
        {recorder && <div className="ml-auto">{recorder}</div>}
      </header>
      {replay}
      {!replay && !presenter && <p className="rounded-xl border border-[var(--line)] px-3 py-2 text-sm text-[var(--muted)]">You are watching. The presenter drives this comparison.</p>}
      {presenter && actions && (
        <div className="flex flex-wrap items-center gap-2" aria-label="Comparison controls">
          {!running ? (
            <button type="button" className={primary} disabled={busy || !brokersUp} onClick={() => run("start", actions.start)}>
              Start every side
            </button>
          ) : (
            <>
              <span className="inline-flex items-stretch overflow-hidden rounded-lg border border-[var(--line)]">
                <input type="number" min={1} max={1000} value={burst} onChange={(e) => setBurst(Math.max(1, Math.min(1000, Number(e.target.value) || 1)))} aria-label="Messages per side" className="w-20 bg-transparent px-2 text-sm tabular-nums outline-none" />
                <button type="button" className="border-l border-[var(--line)] px-3 py-1.5 text-sm font-medium hover:bg-black/5 disabled:opacity-40 dark:hover:bg-white/5" disabled={busy} onClick={() => run("publish", () => actions.command({ type: "publish", count: burst }))}>
                  Publish to every side
                </button>
              </span>
              <button type="button" className={danger} disabled={busy} onClick={() => run("kill", () => actions.command({ type: "kill" }))} title="SIGKILL, on every side at the same moment, the worker holding the most messages">
                Kill one on every side
              </button>
              {info.comeback ? (
                <button type="button" className={primary} disabled={busy} onClick={() => run("comeback", () => actions.command({ type: "comeback" }))} title={info.comeback.hint}>
                  {info.comeback.label}
                </button>
              ) : (
                <button type="button" className={secondary} disabled={busy} onClick={() => run("add", () => actions.command({ type: "add" }))} title="Start another worker on every side: a killed one comes back">
                  + Add one on every side
                </button>
              )}
            </>
          )}
          <span className="ml-auto flex gap-2">
            <button type="button" className={secondary} disabled={busy} onClick={() => run("reset", () => actions.command({ type: "reset" }))}>
              Reset
            </button>
            {running && (
              <button type="button" className={secondary} disabled={busy} onClick={() => run("stop", actions.stop)}>
                Stop
              </button>
            )}
          </span>
        </div>
      )}
      {message && (
        <p role="status" className={`text-sm ${message.error ? "text-rose-700 dark:text-rose-300" : "text-[var(--muted)]"}`}>
          {message.text}
        </p>
      )}
      <Panel title={info.comeback ? "What each broker did while the killed service was down, and after it came back" : "What each broker did with the killed worker's messages"}>
        <SummaryTable rows={sides.map((side) => side.summary)} comeback={info.comeback !== undefined} />
      </Panel>
      <div className={`grid gap-4 ${sides.length > 2 ? "xl:grid-cols-4 md:grid-cols-2" : "md:grid-cols-2"}`}>
        {sides.map(({ state, summary }) => {
          const scenario = infoOf(state.id);
          return (
            <section key={state.id} className="rounded-2xl border border-[var(--line)] bg-[var(--panel)] p-4 shadow-sm" data-testid={`side-${state.id}`}>
              <div className="flex flex-wrap items-center gap-2 text-xs">
                {scenario?.brokers.map((b) => (
                  <span key={b} className="rounded-full bg-sky-500/15 px-2 py-0.5 font-medium text-sky-700 dark:text-sky-300">
                    {BROKER_NAMES[b]}
                  </span>
                ))}
                {scenario && <span className="rounded-full bg-slate-500/10 px-2 py-0.5 font-medium text-slate-600 dark:text-slate-300">{GUARANTEE_LABELS[scenario.guarantee]}</span>}
                <span className={`ml-auto ${state.running ? "text-violet-700 dark:text-violet-300" : "text-[var(--muted)]"}`}>{replay ? "recorded" : state.running ? "running" : "stopped"}</span>
              </div>
              <h2 className="mt-2 text-lg font-semibold">
                <Link href={`/scenarios/${state.id}`} className="hover:underline">
                  {summary.label}
                </Link>
              </h2>
              <p className="mb-3 text-xs text-[var(--muted)]">
                {state.actors.filter((a) => a.alive).length} live · {state.actors.filter((a) => !a.alive).length} killed
              </p>
              <LedgerPanel ledger={state.ledger} guarantee={scenario?.guarantee ?? "at-most-once"} checksKeyOrder={false} />
            </section>
          );
        })}
      </div>
    </div>
  );
}

/** Where the killed service comes back: what was sent while it was down, and what became of it. */
const DOWN_COLUMNS = ["sent while down", "missed while down", "caught up"];

function SummaryTable({ rows, comeback }: { rows: readonly SideSummary[]; comeback: boolean }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full border-separate border-spacing-0 text-sm" data-testid="comparison-table">
        <thead>
          <tr className="text-left text-xs text-[var(--muted)]">
            {["", "the seeds say", "victim held", "what happened to it", "kill → recovered", ...(comeback ? DOWN_COLUMNS : []), "redelivered", "duplicates", "dropped", "lost"].map((h) => (
              <th key={h} scope="col" className="border-b border-[var(--line)] px-2 py-1.5 font-medium">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.scenarioId} data-testid={`row-${row.scenarioId}`}>
              <th scope="row" className="border-b border-[var(--line)] px-2 py-2 text-left font-semibold">
                {row.label}
              </th>
              <td className="border-b border-[var(--line)] px-2 py-2 text-[var(--muted)]">{row.promise}</td>
              <td className="border-b border-[var(--line)] px-2 py-2 font-mono tabular-nums" data-testid="held">
                {row.victim ? row.held : "—"}
              </td>
              <td className="border-b border-[var(--line)] px-2 py-2" data-testid="fates">
                {row.victim ? fateText(row) : "no kill yet"}
              </td>
              <td className="border-b border-[var(--line)] px-2 py-2 font-mono whitespace-nowrap tabular-nums" data-testid="recovery">
                {!row.victim ? "—" : row.recoveryMs !== null ? formatMs(row.recoveryMs) : row.held === 0 ? "held nothing" : `${row.waiting} waiting…`}
              </td>
              {comeback && <DownCells row={row} />}
              {(["redelivered", "duplicates", "dropped", "lost"] as const).map((key) => (
                <td key={key} className={`border-b border-[var(--line)] px-2 py-2 font-mono font-semibold tabular-nums ${key === "lost" && row.lost > 0 ? "text-rose-600" : key === "dropped" && row.dropped > 0 ? "text-amber-600" : ""}`} data-testid={key}>
                  {row[key]}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function DownCells({ row }: { row: SideSummary }) {
  const cell = "border-b border-[var(--line)] px-2 py-2 font-mono tabular-nums";
  const known = row.victim !== null && row.roleDown;
  const pending = row.whileDown - row.missed - row.caughtUp;
  return (
    <>
      <td className={cell} data-testid="while-down">
        {known ? `${row.whileDown}${row.backAt !== null && row.killedAt !== null ? ` (down ${formatMs(row.backAt - row.killedAt)})` : ""}` : "—"}
      </td>
      <td className={`${cell} ${row.missed > 0 ? "font-semibold text-amber-600 dark:text-amber-400" : ""}`} data-testid="missed">
        {!known ? "—" : row.missed > 0 ? `${row.missed} (at-most-once, expected)` : "0"}
      </td>
      <td className={`${cell} ${row.caughtUp > 0 ? "font-semibold text-emerald-700 dark:text-emerald-400" : ""}`} data-testid="caught-up">
        {!known ? "—" : row.backAt === null ? (pending > 0 ? `${pending} kept for it` : "still down") : row.catchUpMs !== null ? `${row.caughtUp} in ${formatMs(row.catchUpMs)}` : pending > 0 ? `${row.caughtUp}, ${pending} to go…` : "0"}
      </td>
    </>
  );
}

function fateText(row: SideSummary): string {
  const parts = Object.entries(row.fates).map(([kind, n]) => `${n} ${kind}`);
  if (row.waiting > 0) parts.push(`${row.waiting} waiting`);
  return parts.length > 0 ? parts.join(", ") : "nothing to move";
}

function describe(label: string, answer: CommandResult): { error: boolean; text: string } {
  if (!answer.ok) return { error: true, text: answer.error.message };
  const perSide = answer.result as Record<string, { ok: boolean; error?: string }>;
  const refused = Object.entries(perSide).filter(([, r]) => !r.ok);
  if (refused.length === 0) return { error: false, text: `${label}: done on every side` };
  return { error: true, text: refused.map(([id, r]) => `${id}: ${r.error ?? "refused"}`).join("; ") };
}
