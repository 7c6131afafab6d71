"use client";
import { useState } from "react";
import { CLAIMS, formatMs, formatRate, verdict, type VerdictOutcome } from "../../lib/guide";
import { MEASURE_IDS, MEASURE_LABELS, type MeasureRun, type MeasurementSet } from "../../lib/measurements";
import type { MeasurementsView } from "../../lib/client/measurements";
import { PRIMARY_BUTTON, SECONDARY, SECONDARY_BUTTON, SECTION, SECTION_TITLE } from "./styles";

const OUTCOMES: Record<VerdictOutcome, { label: string; className: string }> = {
  agrees: { label: "agrees", className: "bg-emerald-700 text-white" },
  better: { label: "beats the claim", className: "bg-sky-700 text-white" },
  worse: { label: "short of the claim", className: "bg-rose-700 text-white" },
  "cannot-judge": { label: "needs a cluster", className: "bg-slate-600 text-white" },
  "no-figure": { label: "not measured", className: "bg-rose-700 text-white" },
};

type Which = "latest" | "shipped";

interface MeasuredSectionProps {
  view: MeasurementsView;
  /** Only the presenter starts a run; the audience watches it. */
  presenter: boolean;
  onMeasure: () => void;
}

export function MeasuredSection({ view, presenter, onMeasure }: MeasuredSectionProps) {
  const [chosen, setChosen] = useState<Which>("latest");
  const which: Which = chosen === "latest" && view.latest ? "latest" : view.shipped ? "shipped" : "latest";
  const set = which === "latest" ? view.latest : view.shipped;
  const running = view.run?.state === "running";
  return (
    <section className={SECTION} data-testid="measured" aria-labelledby="measured-title">
      <div className="flex flex-wrap items-start gap-4">
        <div className="min-w-0 flex-1">
          <h2 id="measured-title" className={SECTION_TITLE}>
            Measured on this machine
          </h2>
          <p className={`mt-1 max-w-3xl text-lg ${SECONDARY}`}>
            Each broker through its official client, with no Hopscope tap in the path, next to what the seeds claim. One machine has no network between the processes, so latencies come out lower than in production.
          </p>
        </div>
        <button type="button" className={PRIMARY_BUTTON} disabled={running || !presenter} onClick={onMeasure} title={presenter ? "Measure every broker now; it takes about a minute" : "Only the presenter can start a measurement"}>
          {running ? "Measuring…" : "Measure on this machine"}
        </button>
      </div>
      {view.run && running && <Progress run={view.run} />}
      {view.notice && (
        <p role="status" className="mt-4 rounded-xl border-2 border-sky-600/40 bg-sky-500/10 px-4 py-3 text-lg" data-testid="measure-notice">
          {view.notice}
        </p>
      )}
      {view.error && (
        <p role="alert" className="mt-4 rounded-xl border-2 border-rose-600/50 bg-rose-500/10 px-4 py-3 text-lg font-medium text-rose-900 dark:text-rose-100" data-testid="measure-error">
          {view.error}
        </p>
      )}
      {view.offline && !view.error && <p className={`mt-4 text-lg ${SECONDARY}`}>This server has no measurements API, so these are the figures that ship with Hopscope.</p>}
      {view.latest && view.shipped && (
        <div className="mt-5 flex flex-wrap gap-3" role="group" aria-label="Which figures">
          {(["latest", "shipped"] as const).map((w) => (
            <button key={w} type="button" aria-pressed={which === w} className={which === w ? PRIMARY_BUTTON : SECONDARY_BUTTON} onClick={() => setChosen(w)}>
              {w === "latest" ? "Latest run here" : "Shipped with Hopscope"}
            </button>
          ))}
        </div>
      )}
      {set ? <Figures set={set} which={which} /> : <p className={`mt-6 text-lg ${SECONDARY}`}>{view.loaded ? "No figures yet: measure this machine to see them." : "Reading the figures…"}</p>}
    </section>
  );
}

function Progress({ run }: { run: MeasureRun }) {
  const percent = Math.round((100 * run.done) / run.total);
  return (
    <div className="mt-5" data-testid="measure-progress">
      <div className="flex justify-between text-lg">
        <span className="font-medium">{run.current ?? "Starting…"}</span>
        <span className="font-mono tabular-nums">
          {run.done} of {run.total} steps
        </span>
      </div>
      <div className="mt-2 h-4 overflow-hidden rounded-full bg-slate-500/20" role="progressbar" aria-label="Measurement progress" aria-valuemin={0} aria-valuemax={run.total} aria-valuenow={run.done}>
        <div className="h-full rounded-full bg-violet-600 transition-[width] duration-300" style={{ width: `${percent}%` }} />
      </div>
    </div>
  );
}

function describeSet(set: MeasurementSet, which: Which): string {
  const when = new Date(set.measuredAt).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
  const { cores, memoryGiB, cpu, platform } = set.machine;
  const machine = `${cores} ${cores === 1 ? "core" : "cores"}, ${memoryGiB.toFixed(memoryGiB < 10 ? 1 : 0)} GiB, ${cpu}, ${platform}`;
  return which === "latest" ? `Latest run on this machine, ${when} · ${machine}` : `Shipped with Hopscope, measured on its development machine, ${when} · ${machine}`;
}

function Figures({ set, which }: { set: MeasurementSet; which: Which }) {
  const results = MEASURE_IDS.flatMap((id) => set.results.filter((r) => r.id === id));
  const cell = "border-b border-[var(--line)] px-3 py-3 align-top";
  const figure = `${cell} text-right font-mono text-lg whitespace-nowrap tabular-nums`;
  return (
    <>
      <p className="mt-5 text-lg font-medium" data-testid="measured-source" data-source={which}>
        {describeSet(set, which)}
      </p>
      <div className="mt-3 overflow-x-auto">
        <table className="w-full min-w-[1000px] border-separate border-spacing-0 text-base" data-testid="measured-table">
          <thead>
            <tr className="text-left">
              {["Broker", "p50", "p99", "msg/s", "The seeds claim", "Verdict"].map((h, i) => (
                <th key={h} scope="col" className={`border-b-2 border-[var(--line)] px-3 py-3 text-lg font-semibold ${i > 0 && i < 4 ? "text-right" : ""}`}>
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {results.map((result) => {
              const claims = CLAIMS[result.id];
              return (
                <tr key={result.id} data-testid={`measured-${result.id}`}>
                  <th scope="row" className={`${cell} text-left text-lg font-semibold`}>
                    {MEASURE_LABELS[result.id]}
                    {result.latency && <span className={`block text-base font-normal ${SECONDARY}`}>{result.latency.path}</span>}
                  </th>
                  <td className={figure} data-testid="p50">
                    {result.latency ? formatMs(result.latency.p50Ms) : "—"}
                  </td>
                  <td className={figure} data-testid="p99">
                    {result.latency ? formatMs(result.latency.p99Ms) : "—"}
                  </td>
                  <td className={figure} data-testid="rate">
                    {result.throughput ? formatRate(result.throughput.messagesPerSecond) : "—"}
                  </td>
                  <td className={`${cell} text-lg`}>{claims.length ? claims.map((c) => c.wording).join("; ") : <span className={SECONDARY}>no claim</span>}</td>
                  <td className={cell} data-testid="verdict">
                    {result.error && (
                      <p className="mb-2 last:mb-0" data-outcome="no-figure">
                        <Badge outcome="no-figure" />
                        <span className="font-semibold text-rose-800 dark:text-rose-200" data-testid="measure-row-error">
                          {result.error}
                        </span>
                      </p>
                    )}
                    {claims.length === 0 && !result.error && <span className={SECONDARY}>Nothing to hold it against.</span>}
                    {claims.map((claim) => {
                      const v = verdict(claim, result);
                      // The row's error already says why a figure is missing.
                      if (v.outcome === "no-figure" && result.error) return null;
                      return (
                        <p key={claim.metric} className="mb-2 last:mb-0" data-outcome={v.outcome}>
                          <Badge outcome={v.outcome} />
                          {v.text}
                        </p>
                      );
                    })}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

function Badge({ outcome }: { outcome: VerdictOutcome }) {
  return <span className={`mr-2 inline-block rounded-md px-2 py-0.5 text-base font-bold tracking-wide uppercase ${OUTCOMES[outcome].className}`}>{OUTCOMES[outcome].label}</span>;
}
