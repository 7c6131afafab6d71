"use client";
import { useCallback, useEffect, useMemo, useState, type ReactNode } from "react";
import { castOf, SIDES, type CastMember } from "../lib/cast";
import type { ScenarioActions, WitnessState } from "../lib/client/hooks";
import type { ScenarioView } from "../lib/client/store";
import type { HealthReport, ScenarioInfo } from "../lib/protocol";
import { GUARANTEE_LABELS, isMessageHop } from "../lib/protocol";
import { emptyLedger } from "../lib/ledger";
import { layoutTopology } from "../lib/topology";
import { assembleTraces } from "../lib/traces";
import { PeekButtons, RatesReadout } from "./BrokerInsight";
import { allUp, BROKER_NAMES, BrokerDownNotice } from "./BrokerStrip";
import { BrokerView } from "./BrokerView";
import { ControlPanel } from "./ControlPanel";
import { EventLog } from "./EventLog";
import { LatencyReadout } from "./LatencyReadout";
import { LedgerPanel } from "./LedgerPanel";
import { Panel } from "./Panel";
import { SequenceDiagram } from "./SequenceDiagram";
import { TopologyView } from "./TopologyView";
import type { NodeSpark } from "./Sparkline";
import { PlaybackControls, SPEEDS } from "./PlaybackControls";
import { ShortcutsButton, ShortcutsOverlay, useShortcuts } from "./Shortcuts";
import { nextSpeed, nextToKill } from "../lib/shortcuts";
import { ExportMenu } from "./ExportMenu";
import { TraceCard } from "./TraceCard";
import { StageButton, useStage } from "./Stage";

const NO_LATENCY = { count: 0, lastMs: null, p50Ms: null, p99Ms: null };
const NO_GAUGES = {};

interface ScenarioScreenProps {
  info: ScenarioInfo;
  view: ScenarioView | null;
  health: HealthReport | null;
  presenter: boolean;
  actions: ScenarioActions;
  /** Set when playing a recording: its controls take the place of the live ones. */
  replay?: ReactNode;
  /** Live only: start and save a recording of what happens from now on. */
  recorder?: ReactNode;
  /** Following the presenter: the message they selected, shown here too. */
  followTraceId?: string | null;
  /** The selected message changed (a presenter's selection leads the audience). */
  onSelectionChange?: (traceId: string | null) => void;
  /** Live only: the broker's own view of what was published, held against the actors' reports. */
  witness?: WitnessState;
}

export function ScenarioScreen({ info, view, health, presenter, actions, replay, recorder, followTraceId, onSelectionChange, witness }: ScenarioScreenProps) {
  const [selected, select] = useState<string | null>(null);
  const setSelected = useCallback(
    (traceId: string | null) => {
      select(traceId);
      onSelectionChange?.(traceId);
    },
    [onSelectionChange],
  );
  // The presenter's choice wins whenever it changes; in between, a viewer may look elsewhere.
  useEffect(() => {
    if (followTraceId !== undefined) select(followTraceId);
  }, [followTraceId]);
  const state = view?.state ?? null;
  // Available only while every broker the scenario talks to answers.
  const brokerUp = allUp(info.brokers, health);
  const multiBroker = info.brokers.length > 1;
  const stage = useStage();
  const onStage = stage.on;

  // The graph changes only when the cast or the broker's layout does, never per hop.
  const actors = state?.actors;
  const castKey = actors?.map((a) => `${a.id}:${a.alive}:${a.connections?.join("+") ?? ""}`).join(",") ?? "";
  const live = state?.layout;
  const layoutKey = live ? JSON.stringify(live) : "";
  // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed on the layout's content, not the state object
  const shape = useMemo(() => (live ? { ...info, channels: live.channels, links: live.links } : info), [info, layoutKey]);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed on the cast, not the state object
  const topology = useMemo(() => layoutTopology(castOf(shape, actors ?? [], []), shape.links, { groupByBroker: multiBroker, pipeline: shape.layout === "pipeline", stage: onStage }), [shape, castKey, multiBroker, onStage]);
  const revealed = view?.revealed;
  // Across brokers, lanes follow the topology's order: each receiver next to the channels it reads.
  const laneOrder = useMemo(() => (multiBroker ? new Map(topology.nodes.map((n, i) => [n.id, i])) : null), [multiBroker, topology]);
  // A channel gets a lifeline once a hop in view uses it: big topologies stay readable.
  const sequenceCast = useMemo(() => {
    const used = new Set((revealed ?? []).flatMap((h) => [h.from, h.to]));
    const cast = castOf(shape, actors ?? [], revealed ?? []).filter((m) => m.kind === "actor" || used.has(m.id));
    if (!laneOrder) return cast;
    const rank = (m: CastMember) => laneOrder.get(m.id) ?? Number.MAX_SAFE_INTEGER;
    return cast.sort((a, b) => SIDES.indexOf(a.side) - SIDES.indexOf(b.side) || rank(a) - rank(b));
  }, [shape, actors, revealed, laneOrder]);
  // On stage the graph fills the screen's width, so its panel is as tall as its shape asks for at
  // that width, between a third and a little over half the screen: the sequence and the figures
  // keep the rest.
  const stageRows = useMemo(() => {
    if (!onStage || topology.nodes.length === 0) return undefined;
    const boxes = [...topology.nodes.map((n) => ({ x: n.x, y: n.y, ...topology.sizes[n.kind] })), ...topology.groups.map((g) => ({ x: g.x, y: g.y, w: g.width, h: g.height }))];
    const width = Math.max(...boxes.map((b) => b.x + b.w)) - Math.min(...boxes.map((b) => b.x));
    const height = Math.max(...boxes.map((b) => b.y + b.h)) - Math.min(...boxes.map((b) => b.y));
    const ratio = (height / Math.max(1, width)).toFixed(4);
    return { gridTemplateRows: `minmax(0, clamp(32dvh, calc((100vw - 2.5rem) * ${ratio} + 3.5rem), 54dvh)) auto minmax(0, 1fr)` };
  }, [onStage, topology]);
  const topologyHeight = useMemo(() => {
    if (multiBroker) {
      // Tall enough that the picture's width, not its height, sets how far it is scaled down.
      const top = Math.min(0, ...topology.groups.map((g) => g.y));
      const bottom = Math.max(...topology.nodes.map((n) => n.y + topology.sizes[n.kind].h), ...topology.groups.map((g) => g.y + g.height));
      return bottom - top > 760 ? "h-[600px]" : "h-[520px]";
    }
    const perColumn = new Map<number, number>();
    for (const node of topology.nodes) perColumn.set(node.x, (perColumn.get(node.x) ?? 0) + 1);
    return Math.max(1, ...perColumn.values()) > 4 ? "h-[520px]" : "h-[300px]";
  }, [topology, multiBroker]);

  // Rebuilt once per gauge read (about a second), not per frame: the history changes in place.
  const gaugeHistory = view?.gaugeHistory;
  const gaugesAt = view?.gaugesAt ?? null;
  const sparklines = useMemo(() => {
    if (!gaugeHistory || gaugesAt === null) return null;
    const byNode: Record<string, NodeSpark[]> = {};
    for (const node of topology.nodes) {
      const sparks = gaugeHistory.gaugesOf(node.id).map((gauge) => ({ gauge, points: gaugeHistory.points(node.id, gauge) }));
      if (sparks.some((s) => s.points.length >= 2)) byNode[node.id] = sparks;
    }
    return { at: gaugesAt, byNode };
  }, [gaugeHistory, gaugesAt, topology]);

  const log = view?.log;
  const traceOf = useCallback(
    (messageId: string) => {
      const hop = log?.find((h) => isMessageHop(h) && h.message.id === messageId);
      return hop && isMessageHop(hop) ? hop.message.traceId : null;
    },
    [log],
  );
  const trace = useMemo(() => (selected && log ? (assembleTraces(log.filter((h) => isMessageHop(h) && h.message.traceId === selected), info).get(selected) ?? null) : null), [selected, log, info]);
  // Keyed on the trace's content: a new log array alone must not re-render the graph.
  const route = trace?.hops.map((h) => `${h.from}>${h.to}`).join(",") ?? "";
  const litNodes = useMemo(() => new Set(route ? route.split(/[,>]/) : []), [route]);
  const litEdges = useMemo(() => new Set(route ? route.split(",").flatMap((pair) => { const [a, b] = pair.split(">"); return [`${a}->${b}`, `${b}->${a}`]; }) : []), [route]);

  // The selected message's whole story, or else the window the diagram shows.
  // Gathered on click only: the window changes every frame while hops arrive.
  const exportHops = useMemo(() => (trace ? trace.hops : (revealed ?? [])), [trace, revealed]);
  const collectExport = useCallback(() => ({ cast: castOf(shape, actors ?? [], exportHops), hops: exportHops }), [shape, actors, exportHops]);

  // An actor's role comes from the cast, never from its id: role names may prefix one another.
  const killableActors = useMemo(() => {
    const killable = new Set(info.roles.filter((r) => r.killable).map((r) => r.name));
    return new Set(topology.nodes.filter((n) => n.kind === "actor" && killable.has(n.role)).map((n) => n.id));
  }, [info, topology]);
  const canKill = useCallback((actorId: string) => presenter && brokerUp && killableActors.has(actorId), [presenter, brokerUp, killableActors]);
  const killNext = useMemo(() => (presenter && !replay ? (nextToKill(actors ?? [], info.roles.filter((r) => r.killable).map((r) => r.name))?.id ?? null) : null), [presenter, replay, actors, info]);
  const { command } = actions;
  const kill = useCallback((actorId: string) => void command({ type: "kill-actor", actorId }), [command]);

  // The picture's pace is each browser's own, so these keys work for the audience too.
  const [shortcutsOpen, setShortcutsOpen] = useState(false);
  const speed = view?.speed ?? 1;
  const paused = view?.paused ?? false;
  const backlog = view?.backlog ?? 0;
  useShortcuts({
    pause: () => actions.setPaused(!paused),
    step: () => backlog > 0 && actions.step(),
    slower: () => actions.setSpeed(nextSpeed(SPEEDS, speed, "slower")),
    faster: () => actions.setSpeed(nextSpeed(SPEEDS, speed, "faster")),
    help: () => setShortcutsOpen(true),
    stage: stage.toggle,
  });

  return (
    <div className="space-y-4 stage:flex stage:h-[calc(100dvh-1.5rem)] stage:flex-col stage:gap-3 stage:space-y-0" data-testid="scenario" data-scenario={info.id}>
      <header className="flex flex-wrap items-end gap-x-4 gap-y-2 stage:flex-nowrap stage:items-center">
        <div className="min-w-0 stage:flex stage:flex-row-reverse stage:items-center stage:justify-end stage:gap-4">
          <div className="flex items-center gap-2 text-xs">
            {info.brokers.map((b) => (
              <Badge key={b}>{BROKER_NAMES[b]}</Badge>
            ))}
            <Badge tone={info.guarantee === "at-least-once" ? "emerald" : info.guarantee === "caller-informed" ? "slate" : "amber"}>{GUARANTEE_LABELS[info.guarantee]}</Badge>
            {replay ? <Badge tone="violet">recording</Badge> : state?.running ? <Badge tone="violet">running</Badge> : <Badge tone="slate">stopped</Badge>}
          </div>
          <h1 className="mt-1 text-2xl font-semibold tracking-tight stage:mt-0 stage:truncate">{info.title}</h1>
          <p className="mt-1 max-w-3xl text-sm text-[var(--muted)] stage:hidden">{info.summary}</p>
        </div>
        <div className="ml-auto flex items-center gap-3">
          <div className="contents stage:hidden">
            {recorder}
            <ShortcutsButton onClick={() => setShortcutsOpen(true)} />
          </div>
          <StageButton />
        </div>
      </header>
      <ShortcutsOverlay open={shortcutsOpen} onClose={() => setShortcutsOpen(false)} presenter={presenter && !replay} />

      {!replay && <BrokerDownNotice brokers={info.brokers} health={health} scenarioId={info.id} />}
      {view?.error && <p className="text-sm text-rose-600">{view.error}</p>}

      {/* On stage the graph spans the top, the sequence and the figures share the bottom. */}
      <div className="grid gap-4 xl:grid-cols-[minmax(0,1fr)_400px] stage:min-h-0 stage:flex-1 stage:grid-cols-[minmax(0,1fr)_24rem] stage:gap-3" style={stageRows}>
        <div className="min-w-0 space-y-4 stage:contents stage:space-y-0">
          <Panel title="Topology" className={`${topologyHeight} stage:col-span-2 stage:h-auto`} aside={<span className="text-2xs text-[var(--muted)]" data-testid="topology-caption">{live?.caption ?? "dots move at human speed · numbers are real"}</span>}>
            <TopologyView topology={topology} gauges={state?.gauges ?? NO_GAUGES} sparklines={sparklines} litNodes={litNodes} litEdges={litEdges} canKill={canKill} onKill={kill} killNext={killNext} flights={actions.flights} />
          </Panel>
          <Panel
            title="Sequence"
            className="h-[480px] stage:row-span-2 stage:h-auto"
            aside={
              <PlaybackControls
                speed={speed}
                paused={paused}
                backlog={backlog}
                lagMs={view?.lagMs ?? 0}
                skipped={view?.skipped ?? 0}
                onSpeed={actions.setSpeed}
                onPause={actions.setPaused}
                onStep={actions.step}
                onCatchUp={actions.catchUp}
              />
            }
          >
            <SequenceDiagram cast={sequenceCast} hops={revealed ?? []} selectedTraceId={selected} onSelect={setSelected} brokerTags={multiBroker} />
          </Panel>
          <div className="stage:hidden">
            <ExportMenu scenarioId={info.id} title={`${info.title} · ${info.id}`} collect={collectExport} empty={exportHops.length === 0} scope={trace ? `message ${trace.messageId}` : "the hops on screen"} />
          </div>
        </div>
        <div className="space-y-4 stage:contents stage:space-y-0">
          {/* Hidden on stage, not unmounted: the controls' keys still drive the scenario. */}
          <div className="stage:hidden">
            {replay ? (
              replay
            ) : presenter ? (
              <Panel title="Controls" bodyClassName="p-3">
                <ControlPanel info={info} state={state} brokerUp={brokerUp} onStart={actions.start} onStop={actions.stop} onCommand={actions.command} />
              </Panel>
            ) : (
              <p className="rounded-xl border border-[var(--line)] px-3 py-2 text-xs text-[var(--muted)]">You are watching. The presenter drives this scenario.</p>
            )}
          </div>
          <Panel title="Delivery ledger" className="stage:col-start-2 stage:row-start-3" bodyClassName="p-3 scrollbar-thin stage:overflow-y-auto stage:p-2" testId="ledger-panel">
            <LedgerPanel ledger={state?.ledger ?? emptyLedger()} guarantee={info.guarantee} checksKeyOrder={info.checksKeyOrder ?? false} brokerCheck={witness?.view?.on ? witness.view.result : null} />
          </Panel>
          {!replay && !onStage && witness && <BrokerView brokers={info.brokers} witness={witness} presenter={presenter} running={state?.running ?? false} inFlight={state?.ledger.inFlight ?? 0} traceOf={traceOf} onSelectTrace={setSelected} />}
          <LatencyReadout latency={state?.latency ?? NO_LATENCY} hopsPerSecond={view?.hopsPerSecond ?? 0} span={info.roundTrip} />
          {!replay && !onStage && view?.rates && <RatesReadout rates={view.rates} />}
          {!replay && !onStage && presenter && actions.peek && info.peek && info.peek.length > 0 && <PeekButtons targets={info.peek} peek={actions.peek} />}
          {trace && !onStage && <TraceCard trace={trace} onClose={() => setSelected(null)} />}
          <Panel className="h-[340px] stage:hidden">
            <EventLog hops={log ?? []} total={view?.totalHops ?? 0} selectedTraceId={selected} onSelect={setSelected} />
          </Panel>
        </div>
      </div>
    </div>
  );
}

const TONES = {
  slate: "bg-slate-500/10 text-slate-600 dark:text-slate-300",
  violet: "bg-violet-500/15 text-violet-700 dark:text-violet-300",
  emerald: "bg-emerald-500/15 text-emerald-800 dark:text-emerald-300",
  amber: "bg-amber-500/15 text-amber-800 dark:text-amber-300",
  sky: "bg-sky-500/15 text-sky-700 dark:text-sky-300",
} as const;

function Badge({ tone = "sky", children }: { tone?: keyof typeof TONES; children: string }) {
  return <span className={`rounded-full px-2 py-0.5 font-medium ${TONES[tone]}`}>{children}</span>;
}
