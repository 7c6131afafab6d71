"use client";
import Link from "next/link";
import { useMemo, useState, type ReactNode } from "react";
import type { ComparisonActions } from "../lib/client/comparison";
import type { ComparisonInfo, ComparisonView, SideSummary } from "../lib/comparisons";
import { formatMs } from "../lib/hops";
import { GUARANTEE_LABELS, type CommandResult, type HealthReport, type ScenarioInfo } from "../lib/protocol";
import { ariaKeyShortcuts, SHORTCUTS, titleWithShortcut, type Shortcut, type ShortcutAction } from "../lib/shortcuts";
import { allUp, BROKER_NAMES } from "./BrokerStrip";
import { LedgerPanel } from "./LedgerPanel";
import { Panel } from "./Panel";
import { ScreenTools } from "./ScreenTools";
import { useShortcuts } from "./Shortcuts";
import { useStage } from "./Stage";

const button = "inline-flex items-center justify-center rounded-lg px-3 py-1.5 text-sm font-medium transition disabled:cursor-not-allowed disabled:opacity-40";
const primary = `${button} bg-violet-600 text-white shadow-sm hover:bg-violet-500`;
const secondary = `${button} border border-[var(--line)] bg-[var(--panel)] hover:bg-black/5 dark:hover:bg-white/5`;
const danger = `${button} border border-rose-300 bg-rose-50 text-rose-700 hover:bg-rose-100 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-300`;
const joined = "border-l border-[var(--line)] px-3 py-1.5 text-sm font-medium hover:bg-black/5 disabled:opacity-40 dark:hover:bg-white/5";

/** On stage the sides share the screen's width in one row, however many there are. */
const STAGE_COLUMNS: Record<number, string> = { 2: "stage:grid-cols-2", 3: "stage:grid-cols-3", 4: "stage:grid-cols-4" };

/** A replay's clock, for its keys: on stage its bar makes way for the picture. */
export interface ComparisonClock {
  playing: boolean;
  onPlay: (playing: boolean) => void;
  onStep: () => void;
}

interface ComparisonScreenProps {
  view: ComparisonView;
  scenarios: readonly ScenarioInfo[];
  health: HealthReport | null;
  presenter: boolean;
  /** The presenter's controls act through these; a replay has none. */
  actions?: ComparisonActions;
  /** Replaying a recording: its clock, in place of the controls. */
  replay?: ReactNode;
  /** The replay's clock, driven by the keys. */
  clock?: ComparisonClock;
  /** Live: record from now, and save what happened. */
  recorder?: ReactNode;
}

/** What "add" means here: a comparison that brings its killed service back says so. */
function addLabel(info: ComparisonInfo): string {
  return info.comeback ? `${info.comeback.label}, on every side` : "Add one worker on every side";
}

/**
 * The keys a comparison has, in its own words: one action on every side at once, so a key means
 * what it means on a scenario page, times the sides.
 */
function comparisonShortcuts(info: ComparisonInfo, acting: boolean, replaying: boolean): Shortcut[] {
  const labels: Partial<Record<ShortcutAction, string>> = {
    ...(acting && {
      send: "Send one message to every side",
      burst: "Send the burst to every side",
      kill: "Kill one on every side at the same moment (SIGKILL)",
      add: addLabel(info),
    }),
    ...(replaying && { pause: "Play or pause the recording", step: "Step: show the next hop" }),
  };
  return SHORTCUTS.flatMap((s) => {
    if (s.action === "stage" || s.action === "help") return [s];
    const label = labels[s.action];
    return label ? [{ ...s, label }] : [];
  });
}

/** Two to four scenarios side by side: one set of controls for all, their ledgers, and the table the run produced. */
export function ComparisonScreen({ view, scenarios, health, presenter, actions, replay, clock, recorder }: ComparisonScreenProps) {
  const { info, sides } = view;
  const [burst, setBurst] = useState(100);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const [shortcutsOpen, setShortcutsOpen] = useState(false);
  const stage = useStage();
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
  // A replay is no one's to drive, whoever watches it.
  const acting = presenter && !replay ? actions : undefined;
  const shortcuts = useMemo(() => comparisonShortcuts(info, acting !== undefined, clock !== undefined), [info, acting, clock]);

  const publish = (count: number) => acting && run("publish", () => acting.command({ type: "publish", count }));
  const kill = () => acting && run("kill", () => acting.command({ type: "kill" }));
  const add = () => acting && (info.comeback ? run("comeback", () => acting.command({ type: "comeback" })) : run("add", () => acting.command({ type: "add" })));
  // The keys do what the buttons do, and only when the buttons are there to press.
  const ready = (what: string): boolean => {
    if (busy) return false;
    if (!running) setMessage({ error: true, text: `Start every side first, then ${what}.` });
    return running;
  };
  useShortcuts({
    ...(acting && {
      send: () => ready("send") && void publish(1),
      burst: () => ready("send a burst") && void publish(burst),
      kill: () => ready("kill") && void kill(),
      add: () => ready(info.comeback ? "bring it back" : "add one") && void add(),
    }),
    ...(clock && { pause: () => clock.onPlay(!clock.playing), step: clock.onStep }),
    stage: stage.toggle,
    help: () => setShortcutsOpen(true),
  });

  return (
    <div className="space-y-4 stage:flex stage:flex-col stage:gap-3 stage:space-y-0" data-testid="comparison" data-comparison={info.id} data-sides={sides.length}>
      <header className="flex flex-wrap items-end gap-x-4 gap-y-2 stage:flex-nowrap stage:items-center">
        <div className="min-w-0 stage:flex-1">
          <div className="stage:flex stage:flex-row-reverse stage:items-baseline stage:justify-end stage:gap-4">
            <div className="text-xs font-semibold tracking-wider text-[var(--muted)] uppercase stage:shrink-0">Side by side{replay ? " · recording" : ""}</div>
            <h1 className="mt-1 text-2xl font-semibold tracking-tight stage:mt-0 stage:truncate">{info.title}</h1>
          </div>
          {/* On stage the presenter says it, and the table's "the seeds say" column says it per side. */}
          <p className="mt-1 max-w-4xl text-sm text-[var(--muted)] stage:hidden" data-testid="comparison-summary">
            {info.summary}
          </p>
        </div>
        <ScreenTools recorder={recorder} shortcutsOpen={shortcutsOpen} onShortcutsOpen={setShortcutsOpen} presenter={acting !== undefined} shortcuts={shortcuts} />
      </header>
      {/* Hidden on stage, not unmounted: the keys still drive the replay. */}
      {replay && <div className="stage:hidden">{replay}</div>}
      {!replay && !presenter && <p className="rounded-xl border border-[var(--line)] px-3 py-2 text-sm text-[var(--muted)] stage:hidden">You are watching. The presenter drives this comparison.</p>}
      {acting && (
        <div className="flex flex-wrap items-center gap-2 stage:hidden" aria-label="Comparison controls">
          {!running ? (
            <button type="button" className={primary} disabled={busy || !brokersUp} onClick={() => run("start", acting.start)}>
              Start every side
            </button>
          ) : (
            <>
              <button type="button" className={secondary} disabled={busy} onClick={() => void publish(1)} aria-keyshortcuts={ariaKeyShortcuts("send")} title={titleWithShortcut("Send one message to every side", "send")}>
                Send one
              </button>
              <span className="inline-flex items-stretch overflow-hidden rounded-lg border border-[var(--line)]">
                <input type="number" min={1} max={1000} value={burst} onChange={(e) => setBurst(Math.max(1, Math.min(1000, Number(e.target.value) || 1)))} aria-label="Messages per side" className="w-20 bg-transparent px-2 text-sm tabular-nums outline-none" />
                <button type="button" className={joined} disabled={busy} onClick={() => void publish(burst)} aria-keyshortcuts={ariaKeyShortcuts("burst")} title={titleWithShortcut(`Send ${burst} messages to every side at once`, "burst")}>
                  Publish to every side
                </button>
              </span>
              <button type="button" className={danger} disabled={busy} onClick={() => void kill()} aria-keyshortcuts={ariaKeyShortcuts("kill")} title={titleWithShortcut("SIGKILL, on every side at the same moment, the worker holding the most messages", "kill")}>
                Kill one on every side
              </button>
              {info.comeback ? (
                <button type="button" className={primary} disabled={busy} onClick={() => void add()} aria-keyshortcuts={ariaKeyShortcuts("add")} title={titleWithShortcut(info.comeback.hint, "add")}>
                  {info.comeback.label}
                </button>
              ) : (
                <button type="button" className={secondary} disabled={busy} onClick={() => void add()} aria-keyshortcuts={ariaKeyShortcuts("add")} title={titleWithShortcut("Start another worker on every side: a killed one comes back", "add")}>
                  + Add one on every side
                </button>
              )}
            </>
          )}
          <span className="ml-auto flex gap-2">
            <button type="button" className={secondary} disabled={busy} onClick={() => run("reset", () => acting.command({ type: "reset" }))}>
              Reset
            </button>
            {running && (
              <button type="button" className={secondary} disabled={busy} onClick={() => run("stop", acting.stop)}>
                Stop
              </button>
            )}
          </span>
        </div>
      )}
      {message && (
        // On stage only what went wrong: the table shows what went right.
        <p role="status" className={`text-sm ${message.error ? "text-rose-700 dark:text-rose-300" : "text-[var(--muted)] stage:hidden"}`}>
          {message.text}
        </p>
      )}
      <Panel title={info.comeback ? "What each broker did while the killed service was down, and after it came back" : "What each broker did with the killed worker's messages"} testId="comparison-result">
        <SummaryTable rows={sides.map((side) => side.summary)} comeback={info.comeback !== undefined} />
      </Panel>
      <div className={`grid gap-4 stage:gap-3 ${sides.length > 2 ? "md:grid-cols-2 xl:grid-cols-4" : "md:grid-cols-2"} ${STAGE_COLUMNS[sides.length] ?? ""}`}>
        {sides.map(({ state, summary }) => {
          const scenario = infoOf(state.id);
          return (
            <section key={state.id} className="min-w-0 rounded-2xl border border-[var(--line)] bg-[var(--panel)] p-4 shadow-sm stage:p-3" data-testid={`side-${state.id}`}>
              <div className="flex flex-wrap items-center gap-2 text-xs">
                {scenario?.brokers.map((b) => (
                  <span key={b} className="rounded-full bg-sky-500/15 px-2 py-0.5 font-medium text-sky-700 dark:text-sky-300">
                    {BROKER_NAMES[b]}
                  </span>
                ))}
                {scenario && <span className="rounded-full bg-slate-500/10 px-2 py-0.5 font-medium text-slate-600 dark:text-slate-300">{GUARANTEE_LABELS[scenario.guarantee]}</span>}
                <span className={`ml-auto stage:hidden ${state.running ? "text-violet-700 dark:text-violet-300" : "text-[var(--muted)]"}`}>{replay ? "recorded" : state.running ? "running" : "stopped"}</span>
              </div>
              <h2 className="mt-2 text-lg font-semibold stage:mt-1 stage:leading-snug">
                <Link href={`/scenarios/${state.id}`} className="hover:underline">
                  {summary.label}
                </Link>
              </h2>
              <p className="mb-3 text-xs text-[var(--muted)] stage:mb-2">
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

/**
 * Figures each side's ledger shows under the table. On stage, where the while-down columns need
 * the width, the table leaves them to the ledgers; lost stays, it is the promise being compared.
 */
const REPEATED = new Set(["redelivered", "duplicates", "dropped"]);

function SummaryTable({ rows, comeback }: { rows: readonly SideSummary[]; comeback: boolean }) {
  return (
    <div className="overflow-x-auto">
      {/* Rows closer on stage: with four sides, the ledgers under the table need the height. */}
      <table className="w-full border-separate border-spacing-0 text-sm stage:[&_td]:py-1 stage:[&_th]:py-1" data-testid="comparison-table">
        <thead>
          <tr className="text-left text-xs text-[var(--muted)]">
            {["", "the seeds say", "victim held", "what happened to it", "kill → recovered", ...(comeback ? DOWN_COLUMNS : []), "redelivered", "duplicates", "dropped", "lost"].map((h) => (
              <th key={h} scope="col" className={`border-b border-[var(--line)] px-2 py-1.5 font-medium ${comeback && REPEATED.has(h) ? "stage:hidden" : ""}`}>
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
                <td key={key} className={`border-b border-[var(--line)] px-2 py-2 font-mono font-semibold tabular-nums ${comeback && REPEATED.has(key) ? "stage:hidden" : ""} ${key === "lost" && row.lost > 0 ? "text-rose-600" : key === "dropped" && row.dropped > 0 ? "text-amber-600" : ""}`} data-testid={key}>
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
