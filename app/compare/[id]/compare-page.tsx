"use client";
import { AppShell } from "../../../components/AppShell";
import { ComparisonScreen } from "../../../components/ComparisonScreen";
import { useComparison } from "../../../lib/client/comparison";
import { useHopscope } from "../../../lib/client/hooks";

export function ComparePage({ id }: { id: string }) {
  const hopscope = useHopscope();
  const { view, error, actions } = useComparison(id);
  return (
    <AppShell scenarios={hopscope.scenarios} health={hopscope.health} connection={hopscope.status} presenter={hopscope.presenter} activeId={id} watching={hopscope.workshop ? hopscope.watching : undefined}>
      {view ? (
        <ComparisonScreen view={view} scenarios={hopscope.scenarios} health={hopscope.health} presenter={hopscope.presenter} actions={actions} />
      ) : (
        <p className="text-sm text-[var(--muted)]">{error ?? "Loading the comparison…"}</p>
      )}
    </AppShell>
  );
}
