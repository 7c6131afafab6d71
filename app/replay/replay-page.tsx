"use client";
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { AppShell } from "../../components/AppShell";
import { ComparisonScreen, type ComparisonClock } from "../../components/ComparisonScreen";
import { ReplayBar } from "../../components/ReplayBar";
import { ObserveScreen } from "../../components/ObserveScreen";
import { ScenarioScreen } from "../../components/ScenarioScreen";
import { useHopscope, type ScenarioActions } from "../../lib/client/hooks";
import { loadRecording, readRecordingFile } from "../../lib/client/recording";
import { ComparisonReplayStore, ReplayStore, type ReplayClock } from "../../lib/client/replay";
import type { AnyRecording, ComparisonRecording } from "../../lib/comparison-recording";
import { OBSERVED_ID } from "../../lib/protocol";
import type { Recording } from "../../lib/recording";

interface ShippedRecording {
  id: string;
  title: string;
  path: string;
}

/** public/recordings/index.json */
interface ShippedIndex {
  recordings?: ShippedRecording[];
  comparisons?: ShippedRecording[];
}

const NO_RESULT = Promise.resolve({ ok: true as const, result: null });

/** Opens a recording (a deep link, a shipped one, or a file) and replays it without brokers. */
export function ReplayPage({ source, at }: { source: string | null; at: string | null }) {
  const hopscope = useHopscope();
  const [recording, setRecording] = useState<{ opened: AnyRecording; source: string | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [shipped, setShipped] = useState<{ recordings: ShippedRecording[]; comparisons: ShippedRecording[] }>({ recordings: [], comparisons: [] });

  useEffect(() => {
    if (!source) return;
    let cancelled = false;
    void loadRecording(source).then((result) => {
      if (cancelled) return;
      if (result.ok) setRecording({ opened: result, source });
      else setError(result.error);
    });
    return () => {
      cancelled = true;
    };
  }, [source]);

  useEffect(() => {
    void fetch("/recordings/index.json")
      .then((res): Promise<ShippedIndex> | ShippedIndex => (res.ok ? (res.json() as Promise<ShippedIndex>) : {}))
      .then((index) => setShipped({ recordings: index.recordings ?? [], comparisons: index.comparisons ?? [] }))
      .catch(() => setShipped({ recordings: [], comparisons: [] }));
  }, []);

  const startMs = at !== null && Number.isFinite(Number(at)) ? Number(at) * 1000 : 0;
  return (
    <AppShell scenarios={hopscope.scenarios} health={hopscope.health} connection={hopscope.status} presenter={hopscope.presenter} activeId={recording ? idOf(recording.opened) : undefined}>
      {recording ? (
        recording.opened.kind === "scenario" ? (
          <Replay key={`${recording.source}:${recording.opened.recording.header.recordedAt}`} recording={recording.opened.recording} source={recording.source} startMs={startMs} onClose={() => setRecording(null)} />
        ) : (
          <ComparisonReplay key={`${recording.source}:${recording.opened.recording.header.recordedAt}`} recording={recording.opened.recording} source={recording.source} startMs={startMs} onClose={() => setRecording(null)} />
        )
      ) : (
        <div className="mx-auto max-w-3xl space-y-6 py-6">
          <header>
            <h1 className="text-2xl font-semibold tracking-tight">Replay a recording</h1>
            <p className="mt-1 text-sm text-[var(--muted)]">A recording holds every hop of a run. It replays here without any broker, so a workshop can go on offline.</p>
          </header>
          {error && (
            <p role="alert" className="rounded-lg border border-rose-300 bg-rose-50 px-3 py-2 text-sm text-rose-800 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-200" data-testid="replay-error">
              {error}
            </p>
          )}
          <label className="block rounded-xl border border-dashed border-[var(--line)] p-5 text-sm">
            <span className="font-medium">Open a recording file</span> <span className="text-[var(--muted)]">(.ndjson, saved with ● Record)</span>
            <input
              type="file"
              accept=".ndjson,application/x-ndjson,application/json"
              className="mt-2 block text-sm"
              aria-label="Recording file"
              onChange={async (e) => {
                const file = e.target.files?.[0];
                if (!file) return;
                const result = await readRecordingFile(file);
                if (result.ok) {
                  setError(null);
                  setRecording({ opened: result, source: null });
                } else setError(result.error);
              }}
            />
          </label>
          <ShippedList title="Recorded runs that ship with Hopscope" items={shipped.recordings} testId="shipped-recordings" />
          <ShippedList title="Comparisons, recorded side by side" items={shipped.comparisons} testId="shipped-comparisons" />
        </div>
      )}
    </AppShell>
  );
}

function Replay({ recording, source, startMs, onClose }: { recording: Recording; source: string | null; startMs: number; onClose: () => void }) {
  const store = useMemo(() => new ReplayStore(recording, startMs), [recording, startMs]);
  useEffect(() => () => store.dispose(), [store]);
  const view = useSyncExternalStore(store.subscribe, store.current, store.current);
  const actions: ScenarioActions = useMemo(
    () => ({
      start: () => NO_RESULT,
      stop: () => NO_RESULT,
      command: () => NO_RESULT,
      catchUp: () => store.toEnd(),
      setSpeed: (speed) => store.setSpeed(speed),
      setPaused: (paused) => store.setPaused(paused),
      step: () => store.step(1),
      flights: store.flights,
    }),
    [store],
  );
  const { scenario, rules } = recording.header;
  const info = useMemo(() => (scenario.completesOn || !rules.completesOn ? scenario : { ...scenario, completesOn: [...rules.completesOn] }), [scenario, rules]);
  const controls = <ReplayControls store={store} source={source} hopsShown={view.totalHops} hopsTotal={recording.hops.length} recordedAt={recording.header.recordedAt} truncated={recording.header.truncated ?? false} onClose={onClose} />;
  // Applications' own traffic declares no cast: its picture is derived from the hops, as it was live.
  if (scenario.id === OBSERVED_ID) return <ObserveScreen view={view} actions={actions} replay={controls} />;
  return <ScenarioScreen info={info} view={view} health={null} presenter={false} actions={actions} replay={controls} />;
}

/** Every side of a comparison on one clock: the sides' ledgers and the table, computed from the hops up to it. */
function ComparisonReplay({ recording, source, startMs, onClose }: { recording: ComparisonRecording; source: string | null; startMs: number; onClose: () => void }) {
  const store = useMemo(() => new ComparisonReplayStore(recording, startMs), [recording, startMs]);
  useEffect(() => () => store.dispose(), [store]);
  const view = useSyncExternalStore(store.subscribe, store.current, store.current);
  const scenarios = useMemo(() => recording.sides.map((side) => side.header.scenario), [recording]);
  const playing = store.isPlaying;
  const clock: ComparisonClock = useMemo(() => ({ playing, onPlay: (play) => store.setPaused(!play), onStep: () => store.step(1) }), [store, playing]);
  return (
    <ComparisonScreen
      view={view}
      scenarios={scenarios}
      health={null}
      presenter={false}
      clock={clock}
      replay={
        <ReplayControls
          store={store}
          source={source}
          hopsShown={view.totalHops}
          hopsTotal={recording.hops.length}
          recordedAt={recording.header.recordedAt}
          truncated={recording.sides.some((side) => side.header.truncated ?? false)}
          onClose={onClose}
        />
      }
    />
  );
}

interface ReplayControlsProps {
  store: ReplayClock<unknown>;
  source: string | null;
  hopsShown: number;
  hopsTotal: number;
  recordedAt: string;
  truncated: boolean;
  onClose: () => void;
}

function ReplayControls({ store, source, hopsShown, hopsTotal, recordedAt, truncated, onClose }: ReplayControlsProps) {
  const link = source ? `/replay?recording=${encodeURIComponent(source)}&t=${(store.positionMs / 1000).toFixed(3)}` : null;
  const onStep = useCallback((direction: 1 | -1) => store.step(direction), [store]);
  return (
    <div className="space-y-2">
      <ReplayBar
        positionMs={store.positionMs}
        durationMs={store.durationMs}
        playing={store.isPlaying}
        hopsShown={hopsShown}
        hopsTotal={hopsTotal}
        recordedAt={recordedAt}
        truncated={truncated}
        onSeek={(ms) => store.seek(ms)}
        onPlay={(playing) => store.setPaused(!playing)}
        onStep={onStep}
        link={link}
      />
      <button type="button" onClick={onClose} className="text-xs text-[var(--muted)] underline-offset-2 hover:underline">
        open another recording
      </button>
    </div>
  );
}

function ShippedList({ title, items, testId }: { title: string; items: readonly ShippedRecording[]; testId: string }) {
  if (items.length === 0) return null;
  return (
    <section>
      <h2 className="mb-2 text-sm font-semibold">{title}</h2>
      <ul className="grid gap-2 sm:grid-cols-2" data-testid={testId}>
        {items.map((r) => (
          <li key={r.id}>
            <a href={`/replay?recording=${encodeURIComponent(r.path)}`} className="block rounded-lg border border-[var(--line)] bg-[var(--panel)] px-3 py-2 text-sm hover:border-violet-400">
              <span className="font-medium">{r.title}</span> <span className="font-mono text-xs text-[var(--muted)]">{r.id}</span>
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

function idOf(opened: AnyRecording): string {
  return opened.kind === "scenario" ? opened.recording.header.scenario.id : opened.recording.header.comparison.id;
}
