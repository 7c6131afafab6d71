import Link from "next/link";
import type { ReactNode } from "react";
import type { HealthReport, ScenarioInfo } from "../lib/protocol";
import { GUARANTEE_LABELS, isBroker } from "../lib/protocol";
import { allUp, BROKER_NAMES, listOf, transportUp } from "./BrokerStrip";

/** `lead` sits between the introduction and the cards: where to go before picking a scenario. */
export function ScenarioCatalogue({ scenarios, health, lead }: { scenarios: readonly ScenarioInfo[]; health: HealthReport | null; lead?: ReactNode }) {
  return (
    <div className="mx-auto max-w-5xl py-6">
      <h1 className="text-3xl font-semibold tracking-tight">Watch messages move.</h1>
      <p className="mt-2 max-w-2xl text-[var(--muted)]">
        Every scenario runs real processes against real brokers. Each hop of each message is drawn as it happens, with its measured latency. Kill a worker and watch the broker deal with it.
      </p>
      {lead}
      <div className="mt-8 grid gap-4 sm:grid-cols-2">
        {scenarios.map((s) => {
          const up = allUp(s.brokers, health);
          const down = s.brokers.filter((b) => transportUp(b, health) === false);
          // gRPC needs no broker: a scenario on it alone has none to report on.
          const brokerCount = s.brokers.filter(isBroker).length;
          return (
            <Link key={s.id} href={`/scenarios/${s.id}`} className="group rounded-2xl border border-[var(--line)] bg-[var(--panel)] p-5 shadow-sm transition hover:border-violet-400 hover:shadow-md">
              <div className="flex flex-wrap items-center gap-2 text-xs whitespace-nowrap">
                {s.brokers.map((b) => (
                  <span key={b} className="rounded-full bg-sky-500/15 px-2 py-0.5 font-medium text-sky-700 dark:text-sky-300">
                    {BROKER_NAMES[b]}
                  </span>
                ))}
                <span
                  className={`rounded-full px-2 py-0.5 font-medium ${
                    s.guarantee === "at-least-once"
                      ? "bg-emerald-500/15 text-emerald-700 dark:text-emerald-300"
                      : s.guarantee === "caller-informed"
                        ? "bg-slate-500/15 text-slate-700 dark:text-slate-300"
                        : "bg-amber-500/15 text-amber-800 dark:text-amber-300"
                  }`}
                >
                  {GUARANTEE_LABELS[s.guarantee]}
                </span>
                <span className={`ml-auto flex items-center gap-1.5 ${up ? "text-emerald-700 dark:text-emerald-400" : "text-rose-600 dark:text-rose-400"}`}>
                  <span className={`h-1.5 w-1.5 rounded-full ${up ? "bg-emerald-500" : "bg-rose-500"}`} />
                  {brokerCount === 0 ? "no broker needed" : brokerCount === 1 ? (up ? "broker up" : "broker down") : up ? "brokers up" : down.length ? `${listOf(down.map((b) => BROKER_NAMES[b]))} down` : "brokers down"}
                </span>
              </div>
              <h2 className="mt-3 text-lg font-semibold group-hover:text-violet-600 dark:group-hover:text-violet-300">{s.title}</h2>
              <p className="mt-1 text-sm text-[var(--muted)]">{s.summary}</p>
              <p className="mt-3 font-mono text-2xs text-[var(--muted)]">{s.id}</p>
            </Link>
          );
        })}
      </div>
    </div>
  );
}
