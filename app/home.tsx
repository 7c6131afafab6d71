"use client";
import { AppShell } from "../components/AppShell";
import { ScenarioCatalogue } from "../components/ScenarioCatalogue";
import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { useFollowing, useHopscope, useLead } from "../lib/client/hooks";

export function Home() {
  const hopscope = useHopscope();
  const router = useRouter();
  const lead = useLead();
  const [following, setFollowing] = useFollowing();
  // The presenter at the catalogue leaves the audience where it is.
  useEffect(() => lead({ scenarioId: null, traceId: null }), [lead]);
  const target = !hopscope.presenter && following ? hopscope.focus?.scenarioId : null;
  useEffect(() => {
    if (target) router.push(`/scenarios/${target}`);
  }, [target, router]);
  return (
    <AppShell
      scenarios={hopscope.scenarios}
      health={hopscope.health}
      connection={hopscope.status}
      presenter={hopscope.presenter}
      watching={hopscope.workshop ? hopscope.watching : undefined}
      following={following}
      onFollowChange={setFollowing}
    >
      <ScenarioCatalogue scenarios={hopscope.scenarios} health={hopscope.health} />
    </AppShell>
  );
}
