"use client";
import { AppShell } from "../components/AppShell";
import { ScenarioCatalogue } from "../components/ScenarioCatalogue";
import { useHopscope } from "../lib/client/hooks";

export function Home() {
  const hopscope = useHopscope();
  return (
    <AppShell scenarios={hopscope.scenarios} health={hopscope.health} connection={hopscope.status} presenter={hopscope.presenter}>
      <ScenarioCatalogue scenarios={hopscope.scenarios} health={hopscope.health} />
    </AppShell>
  );
}
