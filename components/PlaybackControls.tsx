"use client";
import { useState } from "react";
import type { ScenarioActions } from "../lib/client/hooks";
import type { ScenarioView } from "../lib/client/store";
import { ariaKeyShortcuts, nextSpeed, titleWithShortcut } from "../lib/shortcuts";
import { useShortcuts } from "./Shortcuts";

export const SPEEDS = [0.1, 0.25, 0.5, 1] as const;

interface PlaybackControlsProps {
  speed: number;
  paused: boolean;
  backlog: number;
  lagMs: number;
  skipped: number;
  onSpeed: (speed: number) => void;
  onPause: (paused: boolean) => void;
  onStep: () => void;
  onCatchUp: () => void;
}

const button = "rounded-md border border-[var(--line)] px-2 py-0.5 text-2xs font-medium hover:bg-slate-500/10 disabled:cursor-not-allowed disabled:opacity-40";

/** The picture's pace, per browser: slow motion, pause, one hop at a time, and how far behind. */
export function PlaybackControls({ speed, paused, backlog, lagMs, skipped, onSpeed, onPause, onStep, onCatchUp }: PlaybackControlsProps) {
  // A replay has no live edge to lag behind: its lag is always 0.
  const behind = backlog > 0 && lagMs > 0 && (paused || speed < 1 || lagMs > 1200);
  return (
    <div className="flex flex-wrap items-center justify-end gap-1.5 text-2xs" data-testid="playback">
      {behind ? (
        <span className="mr-1 flex items-center gap-1.5 font-medium text-amber-700 dark:text-amber-300" data-testid="lag">
          {(lagMs / 1000).toFixed(1)} s behind live · {backlog} hop{backlog === 1 ? "" : "s"} waiting
          <button type="button" onClick={onCatchUp} className="rounded border border-amber-500 px-1.5 py-0.5 hover:bg-amber-500/10">
            jump to now
          </button>
        </span>
      ) : skipped > 0 ? (
        <span className="mr-1 text-amber-700 dark:text-amber-300" data-testid="lag">
          {skipped} hops shown without animation to keep up
        </span>
      ) : null}
      {/* On stage the pace is set by its keys; how far behind stays, it is what the room sees. */}
      <span className="inline-flex overflow-hidden rounded-md border border-[var(--line)] stage:hidden" role="group" aria-label="Animation speed" aria-keyshortcuts={`${ariaKeyShortcuts("slower")} ${ariaKeyShortcuts("faster")}`} title="Slower (-) or faster (+)">
        {SPEEDS.map((s) => (
          <button
            key={s}
            type="button"
            aria-pressed={speed === s}
            onClick={() => onSpeed(s)}
            className={`px-1.5 py-0.5 font-mono ${speed === s ? "bg-violet-600 text-white" : "hover:bg-slate-500/10"}`}
            title={`${s === 1 ? "Real pacing for people (the numbers are always real)" : `Slow motion: the picture at ${s}×, the brokers at full speed`}. Slower (-), faster (+)`}
          >
            {s}×
          </button>
        ))}
      </span>
      <button type="button" className={`${button} stage:hidden`} onClick={() => onPause(!paused)} aria-pressed={paused} aria-keyshortcuts={ariaKeyShortcuts("pause")} title={titleWithShortcut(paused ? "Resume the animation" : "Pause the animation", "pause")}>
        {paused ? "▶ resume" : "❚❚ pause"}
      </button>
      <button type="button" className={`${button} stage:hidden`} onClick={onStep} disabled={backlog === 0} aria-keyshortcuts={ariaKeyShortcuts("step")} title={titleWithShortcut("Show the next hop", "step")}>
        step ›
      </button>
    </div>
  );
}

/** The controls for a live or replayed view's picture. */
export function ViewPlaybackControls({ view, actions }: { view: ScenarioView | null; actions: ScenarioActions }) {
  return (
    <PlaybackControls
      speed={view?.speed ?? 1}
      paused={view?.paused ?? false}
      backlog={view?.backlog ?? 0}
      lagMs={view?.lagMs ?? 0}
      skipped={view?.skipped ?? 0}
      onSpeed={actions.setSpeed}
      onPause={actions.setPaused}
      onStep={actions.step}
      onCatchUp={actions.catchUp}
    />
  );
}

/**
 * The picture's keys (pause, step, pace, stage and the list of keys), whose list it opens. The
 * pace is each browser's own, so these keys work for the audience too.
 */
export function usePictureShortcuts(view: ScenarioView | null, actions: ScenarioActions, toggleStage: () => void): [boolean, (open: boolean) => void] {
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
    stage: toggleStage,
  });
  return [shortcutsOpen, setShortcutsOpen];
}
