"use client";
import { AppShell } from "../../../components/AppShell";
import { ScenarioScreen } from "../../../components/ScenarioScreen";
import { Recorder } from "../../../components/Recorder";
import { useHopscope, useScenario } from "../../../lib/client/hooks";
import { saveRecording } from "../../../lib/client/recording";

export function ScenarioPage({ id }: { id: string }) {
  const hopscope = useHopscope();
  const { view, actions } = useScenario(id);
  const info = view?.info ?? hopscope.scenarios.find((s) => s.id === id) ?? null;
  return (
    <AppShell scenarios={hopscope.scenarios} health={hopscope.health} connection={hopscope.status} presenter={hopscope.presenter} activeId={id}>
      {info ? (
        <ScenarioScreen
          info={info}
          view={view}
          health={hopscope.health}
          presenter={hopscope.presenter}
          actions={actions}
          recorder={<Recorder lastSeq={view?.lastSeq ?? 0} totalHops={view?.totalHops ?? 0} onSave={(since) => saveRecording(id, since)} />}
        />
      ) : (
        <p className="text-sm text-[var(--muted)]">{hopscope.status === "online" && hopscope.scenarios.length > 0 ? `There is no scenario "${id}".` : "Connecting to the Hopscope server…"}</p>
      )}
    </AppShell>
  );
}
