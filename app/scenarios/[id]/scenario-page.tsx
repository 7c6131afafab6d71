"use client";
import { AppShell } from "../../../components/AppShell";
import { ScenarioScreen } from "../../../components/ScenarioScreen";
import { Recorder } from "../../../components/Recorder";
import { useEffect, useState } from "react";
import { useHopscope, useLead, useScenario, useShell, useWitness } from "../../../lib/client/hooks";
import { saveRecording } from "../../../lib/client/recording";

export function ScenarioPage({ id }: { id: string }) {
  const hopscope = useHopscope();
  const { view, actions } = useScenario(id);
  const witness = useWitness(id);
  const info = view?.info ?? hopscope.scenarios.find((s) => s.id === id) ?? null;
  const lead = useLead();
  const shell = useShell(`/scenarios/${encodeURIComponent(id)}`, id);
  const [selection, setSelection] = useState<string | null>(null);
  useEffect(() => lead({ scenarioId: id, traceId: selection }), [lead, id, selection]);
  const focus = hopscope.focus;
  const follows = !hopscope.presenter && shell.following;
  return (
    <AppShell {...shell}>
      {info ? (
        <ScenarioScreen
          info={info}
          view={view}
          health={hopscope.health}
          presenter={hopscope.presenter}
          actions={actions}
          followTraceId={follows && focus?.scenarioId === id ? focus.traceId : undefined}
          onSelectionChange={setSelection}
          witness={witness}
          recorder={<Recorder lastSeq={view?.lastSeq ?? 0} totalHops={view?.totalHops ?? 0} onSave={(since) => saveRecording(id, since)} />}
        />
      ) : (
        <p className="text-sm text-[var(--muted)]">{hopscope.status === "online" && hopscope.scenarios.length > 0 ? `There is no scenario "${id}".` : "Connecting to the Hopscope server…"}</p>
      )}
    </AppShell>
  );
}
