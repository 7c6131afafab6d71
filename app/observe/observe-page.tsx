"use client";
import { AppShell } from "../../components/AppShell";
import { ObserveScreen } from "../../components/ObserveScreen";
import { Recorder } from "../../components/Recorder";
import { TapForm } from "../../components/TapForm";
import { useEffect } from "react";
import { useHopscope, useLead, useScenario, useShell } from "../../lib/client/hooks";
import { saveRecording } from "../../lib/client/recording";
import { useTaps } from "../../lib/client/taps";
import { OBSERVED_ID } from "../../lib/observed";

export function ObservePage() {
  const hopscope = useHopscope();
  const { view, actions } = useScenario(OBSERVED_ID);
  const shell = useShell("/observe", OBSERVED_ID);
  const taps = useTaps();
  const lead = useLead();
  // Audience browsers that follow the presenter come here too.
  useEffect(() => lead({ scenarioId: OBSERVED_ID, traceId: null }), [lead]);
  return (
    <AppShell {...shell}>
      <ObserveScreen
        view={view}
        actions={actions}
        taps={<TapForm status={taps.status} presenter={hopscope.presenter} onApply={taps.apply} />}
        recorder={<Recorder lastSeq={view?.lastSeq ?? 0} totalHops={view?.totalHops ?? 0} onSave={(since) => saveRecording(OBSERVED_ID, since)} />}
      />
    </AppShell>
  );
}
