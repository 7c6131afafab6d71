"use client";
import Link from "next/link";
import { AppShell } from "../components/AppShell";
import { ScenarioCatalogue } from "../components/ScenarioCatalogue";
import { useEffect } from "react";
import { useLead, useShell } from "../lib/client/hooks";

export function Home() {
  const shell = useShell("/");
  const lead = useLead();
  // The presenter at the catalogue leaves the audience where it is.
  useEffect(() => lead({ scenarioId: null, traceId: null }), [lead]);
  return (
    <AppShell {...shell}>
      <ScenarioCatalogue
        scenarios={shell.scenarios}
        health={shell.health}
        lead={
          <Link
            href="/guide"
            data-testid="guide-link"
            className="group mt-6 flex items-center justify-between gap-4 rounded-2xl border-2 border-violet-500/40 bg-violet-500/10 px-5 py-4 transition hover:border-violet-500"
          >
            <span>
              <span className="block text-lg font-semibold group-hover:text-violet-700 dark:group-hover:text-violet-300">Not sure which broker? When to use what</span>
              <span className="block text-sm text-[var(--muted)]">A few questions to a recommendation, the brokers side by side, and the speed claims measured on this machine.</span>
            </span>
            <span className="text-2xl text-violet-700 dark:text-violet-300" aria-hidden>
              →
            </span>
          </Link>
        }
      />
    </AppShell>
  );
}
