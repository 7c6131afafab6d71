"use client";
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
      <ScenarioCatalogue scenarios={shell.scenarios} health={shell.health} />
    </AppShell>
  );
}
