"use client";
import { useCallback, useEffect, useMemo, useState, type ReactNode } from "react";
import { castOf, SIDES, type CastMember } from "../lib/cast";
import type { CrossCheckControl } from "../lib/client/crosscheck";
import type { ScenarioActions } from "../lib/client/hooks";
import { witnessedBrokers } from "../lib/crosscheck";
import type { ScenarioView } from "../lib/client/store";
import type { HealthReport, ScenarioInfo } from "../lib/protocol";
import { GUARANTEE_LABELS } from "../lib/protocol";
import { emptyLedger } from "../lib/ledger";
import { layoutTopology, topologyExtent } from "../lib/topology";
import { PeekButtons, RatesReadout } from "./BrokerInsight";
import { allUp, BROKER_NAMES, BrokerDownNotice } from "./BrokerStrip";
import { BrokerViewPanel } from "./BrokerViewPanel";
import { ControlPanel } from "./ControlPanel";
import { EventLog } from "./EventLog";
import { LatencyReadout } from "./LatencyReadout";
import { LedgerPanel } from "./LedgerPanel";
import { Panel } from "./Panel";
import { SequenceDiagram } from "./SequenceDiagram";
import { TopologyView } from "./TopologyView";
import type { NodeSpark } from "./Sparkline";
import { usePictureShortcuts, ViewPlaybackControls } from "./PlaybackControls";
import { ScreenTools } from "./ScreenTools";
import { nextToKill } from "../lib/shortcuts";
import { ExportMenu } from "./ExportMenu";
import { TraceCard } from "./TraceCard";
import { useStage } from "./Stage";
import { useTraceSelection } from "./trace-selection";

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
  /** Live only: the broker's view of the scenario, where its brokers can be asked. */
  crossCheck?: CrossCheckControl;
}

export function ScenarioScreen({ info, view, health, presenter, actions, replay, recorder, followTraceId, onSelectionChange, crossCheck }: ScenarioScreenProps) {
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
  // Whether the channels show gauges: once the first read arrives, the compact stage picture makes room.
  const gauged = Object.keys(state?.gauges ?? NO_GAUGES).length > 0;
  // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed on the cast, not the state object
  const topology = useMemo(() => layoutTopology(castOf(shape, actors ?? [], []), shape.links, { groupByBroker: multiBroker, pipeline: shape.layout === "pipeline", stage: onStage, gauged }), [shape, castKey, multiBroker, onStage, gauged]);
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
    const { width, height } = topologyExtent(topology);
    const ratio = (height / Math.max(1, width)).toFixed(4);
    // A compact picture is many nodes at the type floor: it takes more of the screen.
    const most = topology.compact ? "60dvh" : "54dvh";
    return { gridTemplateRows: `minmax(0, clamp(32dvh, calc((100vw - 2.5rem) * ${ratio} + 3.5rem), ${most})) auto minmax(0, 1fr)` };
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
  const { trace, litNodes, litEdges } = useTraceSelection(selected, log, info);

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

  const [shortcutsOpen, setShortcutsOpen] = usePictureShortcuts(view, actions, stage.toggle);
  const witnessed = useMemo(() => witnessedBrokers(info), [info]);
  const brokerCheck = crossCheck?.view?.on ? (crossCheck.view.result ?? null) : null;

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
        <ScreenTools recorder={recorder} shortcutsOpen={shortcutsOpen} onShortcutsOpen={setShortcutsOpen} presenter={presenter && !replay} />
      </header>

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
              <ViewPlaybackControls view={view} actions={actions} />
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
          {/* On stage the broker's verdict takes the title's place: the figures keep their room. */}
          <Panel title={onStage && brokerCheck ? undefined : "Delivery ledger"} className="stage:col-start-2 stage:row-start-3" bodyClassName="p-3 scrollbar-thin stage:overflow-y-auto stage:p-2" testId="ledger-panel">
            <LedgerPanel ledger={state?.ledger ?? emptyLedger()} guarantee={info.guarantee} checksKeyOrder={info.checksKeyOrder ?? false} brokerCheck={brokerCheck} />
          </Panel>
          {/* On stage the ledger's line says the broker's verdict; the counts stay off the projector. */}
          {!replay && !onStage && crossCheck && witnessed.length > 0 && <BrokerViewPanel info={info} witnessed={witnessed} control={crossCheck} presenter={presenter} running={state?.running ?? false} />}
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
