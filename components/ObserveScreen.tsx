"use client";
import { useCallback, useMemo, useState, type ReactNode } from "react";
import type { ScenarioActions } from "../lib/client/hooks";
import type { ScenarioView } from "../lib/client/store";
import { layoutObserved, OBSERVED_ID, OBSERVED_INFO, observedGraph, observedGraphKey } from "../lib/observed";
import { EventLog } from "./EventLog";
import { ExportMenu } from "./ExportMenu";
import { Panel } from "./Panel";
import { usePictureShortcuts, ViewPlaybackControls } from "./PlaybackControls";
import { SequenceDiagram } from "./SequenceDiagram";
import { ScreenTools } from "./ScreenTools";
import { useStage } from "./Stage";
import { TopologyView } from "./TopologyView";
import { TraceCard } from "./TraceCard";
import { useTraceSelection } from "./trace-selection";

const NO_GAUGES = {};
const NOBODY_KILLS = () => false;
const NO_KILL = () => undefined;

interface ObserveScreenProps {
  view: ScenarioView | null;
  actions: ScenarioActions;
  /** Live only: the taps, what runs and (for the presenter) the form that changes them. */
  taps?: ReactNode;
  /** Live only: start and save a recording of what happens from now on. */
  recorder?: ReactNode;
  /** Set when playing a recording: its controls take the place of the taps. */
  replay?: ReactNode;
}

/** Applications' own traffic: a picture derived from the hops, guesses drawn apart from reports. */
export function ObserveScreen({ view, actions, taps, recorder, replay }: ObserveScreenProps) {
  const [selected, setSelected] = useState<string | null>(null);
  const stage = useStage();
  const onStage = stage.on;
  const log = view?.log;
  const revealed = view?.revealed;

  // Derived from every hop kept, so a node stays once seen; rebuilt only when the graph changes.
  const graph = useMemo(() => observedGraph(log ?? []), [log]);
  const graphKey = observedGraphKey(graph);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed on the graph's content, not the log array
  const topology = useMemo(() => layoutObserved(graph, { stage: onStage }), [graphKey, onStage]);
  const sequenceCast = useMemo(() => {
    const used = new Set((revealed ?? []).flatMap((h) => [h.from, h.to]));
    return graph.cast.filter((m) => used.has(m.id));
  }, [graph, revealed]);

  const { trace, litNodes, litEdges } = useTraceSelection(selected, log, OBSERVED_INFO);
  const exportHops = useMemo(() => (trace ? trace.hops : (revealed ?? [])), [trace, revealed]);
  const collectExport = useCallback(() => ({ cast: graph.cast, hops: exportHops }), [graph, exportHops]);

  const [shortcutsOpen, setShortcutsOpen] = usePictureShortcuts(view, actions, stage.toggle);

  const multiBroker = new Set(graph.cast.filter((m) => m.kind === "channel").map((m) => m.broker)).size > 1;
  return (
    <div className="space-y-4 stage:flex stage:h-[calc(100dvh-1.5rem)] stage:flex-col stage:gap-3 stage:space-y-0" data-testid="observe" data-scenario={OBSERVED_ID}>
      <header className="flex flex-wrap items-end gap-x-4 gap-y-2 stage:flex-nowrap stage:items-center">
        <div className="min-w-0">
          <h1 className="text-2xl font-semibold tracking-tight">Your applications{replay ? " · recording" : ""}</h1>
          <p className="mt-1 max-w-3xl text-sm text-[var(--muted)] stage:hidden">Messages your own apps send on these brokers, as Hopscope&apos;s taps and their OpenTelemetry spans report them.</p>
        </div>
        <ScreenTools recorder={recorder} shortcutsOpen={shortcutsOpen} onShortcutsOpen={setShortcutsOpen} presenter={false} />
      </header>
      {view?.error && <p className="text-sm text-rose-600">{view.error}</p>}

      <div className="grid gap-4 xl:grid-cols-[minmax(0,1fr)_400px] stage:min-h-0 stage:flex-1 stage:grid-cols-[minmax(0,1fr)_22rem] stage:grid-rows-[minmax(0,56dvh)_minmax(0,1fr)] stage:gap-3">
        <div className="min-w-0 space-y-4 stage:contents stage:space-y-0">
          <Panel title="Topology" className="h-[340px] stage:col-span-2 stage:h-auto" aside={<span className="text-2xs text-[var(--muted)]">built from what the taps and spans saw</span>}>
            {topology.nodes.length > 0 ? (
              <TopologyView topology={topology} gauges={NO_GAUGES} litNodes={litNodes} litEdges={litEdges} canKill={NOBODY_KILLS} onKill={NO_KILL} flights={actions.flights} />
            ) : (
              <p className="px-4 py-10 text-center text-sm text-[var(--muted)]" data-testid="observe-empty">
                Nothing seen yet. Tap a subject, channel, topic or queue your applications use, or point their OpenTelemetry exporter at /v1/traces.
              </p>
            )}
          </Panel>
          <Panel
            title="Sequence"
            className="h-[440px] stage:h-auto"
            aside={
              <ViewPlaybackControls view={view} actions={actions} />
            }
          >
            <SequenceDiagram cast={sequenceCast} hops={revealed ?? []} selectedTraceId={selected} onSelect={setSelected} brokerTags={multiBroker} emptyText="No messages yet. Each one your applications send on a tapped destination appears here." />
          </Panel>
          <div className="stage:hidden">
            <ExportMenu scenarioId={OBSERVED_ID} title="Your applications · observed" collect={collectExport} empty={exportHops.length === 0} scope={trace ? `message ${trace.messageId}` : "the hops on screen"} />
          </div>
        </div>
        <div className="space-y-4 stage:space-y-3 stage:overflow-y-auto">
          <div className="stage:hidden">{replay ?? (taps && <Panel title="Broker taps" bodyClassName="p-3">{taps}</Panel>)}</div>
          <ObservedLegend />
          {trace && !onStage && <TraceCard trace={trace} onClose={() => setSelected(null)} />}
          <Panel className="h-[300px] stage:hidden">
            <EventLog hops={log ?? []} total={view?.totalHops ?? 0} selectedTraceId={selected} onSelect={setSelected} />
          </Panel>
        </div>
      </div>
    </div>
  );
}

/** What each line style means, so a guess is never read as a fact. */
export function ObservedLegend() {
  return (
    <Panel title="How to read it" bodyClassName="p-3" testId="observed-legend">
      <ul className="space-y-2 text-sm">
        <li className="flex items-center gap-3">
          <svg width="44" height="12" aria-hidden className="shrink-0">
            <line x1="2" x2="42" y1="6" y2="6" stroke="var(--muted)" strokeWidth="3" />
          </svg>
          <span>
            <b className="font-semibold">Observed</b>: a tap or a span reported it
          </span>
        </li>
        <li className="flex items-center gap-3">
          <svg width="44" height="12" aria-hidden className="shrink-0">
            <line x1="2" x2="42" y1="6" y2="6" stroke="#d97706" strokeWidth="3" strokeDasharray="8 6" />
          </svg>
          <span>
            <b className="font-semibold">Inferred</b>: Hopscope&apos;s guess, one end unknown <span className="text-[var(--muted)]">(dotted from a ? in the sequence)</span>
          </span>
        </li>
        <li className="flex items-center gap-3">
          <span aria-hidden className="grid h-6 w-11 shrink-0 place-items-center rounded-md border-2 border-dashed border-amber-500 text-xs font-bold text-amber-800 dark:text-amber-300">
            ?
          </span>
          <span>
            <b className="font-semibold">Unknown publisher</b>: the broker does not say who sent it
          </span>
        </li>
      </ul>
    </Panel>
  );
}
