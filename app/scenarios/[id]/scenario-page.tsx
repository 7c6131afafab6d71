"use client";
import { AppShell } from "../../../components/AppShell";
import { ScenarioScreen } from "../../../components/ScenarioScreen";
import { Recorder } from "../../../components/Recorder";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { useFollowing, useHopscope, useLead, useScenario } from "../../../lib/client/hooks";
import { saveRecording } from "../../../lib/client/recording";

export function ScenarioPage({ id }: { id: string }) {
  const hopscope = useHopscope();
  const { view, actions } = useScenario(id);
  const info = view?.info ?? hopscope.scenarios.find((s) => s.id === id) ?? null;
  const router = useRouter();
  const lead = useLead();
  const [following, setFollowing] = useFollowing();
  const [selection, setSelection] = useState<string | null>(null);
  useEffect(() => lead({ scenarioId: id, traceId: selection }), [lead, id, selection]);
  const focus = hopscope.focus;
  const follows = !hopscope.presenter && following;
  useEffect(() => {
    if (follows && focus?.scenarioId && focus.scenarioId !== id) router.push(`/scenarios/${focus.scenarioId}`);
  }, [follows, focus, id, router]);
  return (
    <AppShell
      scenarios={hopscope.scenarios}
      health={hopscope.health}
      connection={hopscope.status}
      presenter={hopscope.presenter}
      activeId={id}
      watching={hopscope.workshop ? hopscope.watching : undefined}
      following={following}
      onFollowChange={setFollowing}
    >
      {info ? (
        <ScenarioScreen
          info={info}
          view={view}
          health={hopscope.health}
          presenter={hopscope.presenter}
          actions={actions}
          followTraceId={follows && focus?.scenarioId === id ? focus.traceId : undefined}
          onSelectionChange={setSelection}
          recorder={<Recorder lastSeq={view?.lastSeq ?? 0} totalHops={view?.totalHops ?? 0} onSave={(since) => saveRecording(id, since)} />}
        />
      ) : (
        <p className="text-sm text-[var(--muted)]">{hopscope.status === "online" && hopscope.scenarios.length > 0 ? `There is no scenario "${id}".` : "Connecting to the Hopscope server…"}</p>
      )}
    </AppShell>
  );
}
