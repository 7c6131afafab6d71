"use client";

interface ReplayBarProps {
  positionMs: number;
  durationMs: number;
  playing: boolean;
  hopsShown: number;
  hopsTotal: number;
  recordedAt: string;
  /** The recording misses the beginning of what was asked for. */
  truncated: boolean;
  onSeek: (ms: number) => void;
  onPlay: (playing: boolean) => void;
  onStep: (direction: 1 | -1) => void;
  /** A link that opens this recording at this moment. */
  link: string | null;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The replay's clock: play, pause, step hop by hop, and scrub to any moment. */
export function ReplayBar({ positionMs, durationMs, playing, hopsShown, hopsTotal, recordedAt, truncated, onSeek, onPlay, onStep, link }: ReplayBarProps) {
  const button = "rounded-lg border border-[var(--line)] px-2.5 py-1 text-sm font-medium hover:bg-slate-500/10 disabled:opacity-40";
  return (
    <section className="space-y-3 rounded-xl border border-[var(--line)] bg-[var(--panel)] p-3" aria-label="Replay" data-testid="replay-bar">
      <div className="flex items-center justify-between text-xs text-[var(--muted)]">
        <span className="font-semibold tracking-wider uppercase">Replay</span>
        <span title="When the recording was taken" data-testid="recorded-at">recorded {new Date(recordedAt).toLocaleString()}</span>
      </div>
      <div className="flex items-center gap-2">
        <button type="button" className={button} onClick={() => onStep(-1)} aria-label="Previous hop" disabled={hopsShown === 0}>
          ‹
        </button>
        <button type="button" className={`${button} min-w-20 bg-violet-600 text-white hover:bg-violet-700`} onClick={() => onPlay(!playing)}>
          {playing ? "❚❚ Pause" : "▶ Play"}
        </button>
        <button type="button" className={button} onClick={() => onStep(1)} aria-label="Next hop" disabled={hopsShown === hopsTotal}>
          ›
        </button>
        <span className="ml-auto font-mono text-xs tabular-nums" data-testid="replay-position">
          {seconds(positionMs)} / {seconds(durationMs)}
        </span>
      </div>
      <input
        type="range"
        min={0}
        max={Math.max(1, Math.ceil(durationMs))}
        step={1}
        value={Math.round(positionMs)}
        onChange={(e) => onSeek(Number(e.target.value))}
        className="w-full accent-violet-600"
        aria-label="Position in the recording"
      />
      <div className="flex items-center justify-between text-xs text-[var(--muted)]">
        <span data-testid="replay-hops">
          {hopsShown} of {hopsTotal} hops
        </span>
        {link && (
          <button type="button" className="underline-offset-2 hover:underline" onClick={() => void navigator.clipboard?.writeText(new URL(link, window.location.href).toString())} title={link}>
            copy link to this moment
          </button>
        )}
      </div>
      {truncated && <p className="text-xs text-amber-700 dark:text-amber-300">This recording starts late: the server keeps the newest hops only, and had let go of the first ones when it was saved.</p>}
      <p className="text-xs text-[var(--muted)]">No broker is involved: everything here is computed from the recorded hops, the ledger included.</p>
    </section>
  );
}
