"use client";
import { useEffect } from "react";
import { AppShell } from "../../../components/AppShell";
import { ComparisonScreen } from "../../../components/ComparisonScreen";
import { Recorder } from "../../../components/Recorder";
import { useComparison } from "../../../lib/client/comparison";
import { useHopscope, useLead, useShell } from "../../../lib/client/hooks";
import { saveComparisonRecording } from "../../../lib/client/recording";

export function ComparePage({ id }: { id: string }) {
  const hopscope = useHopscope();
  const { view, error, actions } = useComparison(id);
  const lead = useLead();
  const shell = useShell(`/compare/${encodeURIComponent(id)}`, id);
  useEffect(() => lead({ scenarioId: null, traceId: null, comparisonId: id }), [lead, id]);
  return (
    <AppShell {...shell}>
      {view ? (
        <ComparisonScreen
          view={view}
          scenarios={hopscope.scenarios}
          health={hopscope.health}
          presenter={hopscope.presenter}
          actions={actions}
          recorder={<Recorder lastSeq={view.lastSeq} totalHops={view.totalHops} onSave={(since) => saveComparisonRecording(id, since)} />}
        />
      ) : (
        <p className="text-sm text-[var(--muted)]">{error ?? "Loading the comparison…"}</p>
      )}
    </AppShell>
  );
}
