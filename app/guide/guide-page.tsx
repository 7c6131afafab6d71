"use client";
import { useEffect, useMemo } from "react";
import { AppShell, GUIDE_ID } from "../../components/AppShell";
import { BROKER_NAMES } from "../../components/BrokerStrip";
import { ComparisonTable } from "../../components/guide/ComparisonTable";
import { DecisionTree } from "../../components/guide/DecisionTree";
import { MeasuredSection } from "../../components/guide/MeasuredSection";
import { SECONDARY } from "../../components/guide/styles";
import { useLead, useShell } from "../../lib/client/hooks";
import { useMeasurements } from "../../lib/client/measurements";

export function GuidePage() {
  const shell = useShell("/guide", GUIDE_ID);
  const lead = useLead();
  const { view, actions } = useMeasurements();
  // Like the catalogue: the presenter reading the guide leaves the audience where it is.
  useEffect(() => lead({ scenarioId: null, traceId: null }), [lead]);
  // "Request / reply" alone does not say on which broker; stories span several and name themselves.
  const titles = useMemo(() => new Map(shell.scenarios.map((s) => [s.id, s.pattern === "story" ? s.title : `${BROKER_NAMES[s.broker]}: ${s.title}`])), [shell.scenarios]);
  return (
    <AppShell {...shell}>
      <div className="mx-auto flex max-w-7xl flex-col gap-8 py-4 text-base" data-testid="guide">
        <header>
          <h1 className="text-4xl font-bold tracking-tight">When to use what</h1>
          <p className={`mt-3 max-w-4xl text-xl ${SECONDARY}`}>
            NATS, JetStream, RabbitMQ, Redis, Kafka or gRPC? Answer a few questions, see how they compare, and check the speed claims against this machine. Every answer opens a scenario where you can watch it happen.
          </p>
        </header>
        <DecisionTree titles={titles} />
        <ComparisonTable titles={titles} />
        <MeasuredSection view={view} presenter={shell.presenter} onMeasure={() => void actions.measure()} />
      </div>
    </AppShell>
  );
}
