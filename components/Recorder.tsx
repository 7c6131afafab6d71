"use client";
import { useState } from "react";

interface RecorderProps {
  /** Seq of the newest hop the page has: a recording holds what comes after it. */
  lastSeq: number;
  /** Hops seen so far, to say how much the recording holds. */
  totalHops: number;
  onSave: (since: number) => Promise<string | null>;
}

/** Record from now, then save what happened as an NDJSON file that replays without brokers. */
export function Recorder({ lastSeq, totalHops, onSave }: RecorderProps) {
  const [since, setSince] = useState<{ seq: number; hops: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const button = "rounded-lg border px-3 py-1.5 text-sm font-medium";
  return (
    <div className="flex items-center gap-2" data-testid="recorder">
      {error && <span className="text-xs text-rose-600">{error}</span>}
      {since ? (
        <>
          <span className="flex items-center gap-1.5 text-xs text-rose-700 dark:text-rose-300">
            <span className="h-2 w-2 animate-pulse rounded-full bg-rose-500" /> recording · {Math.max(0, totalHops - since.hops)} hops
          </span>
          <button
            type="button"
            className={`${button} border-rose-300 bg-rose-50 text-rose-800 hover:bg-rose-100 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-200`}
            onClick={async () => {
              setError(await onSave(since.seq));
              setSince(null);
            }}
          >
            ■ Stop and save
          </button>
        </>
      ) : (
        <>
          <button type="button" className={`${button} border-[var(--line)] hover:bg-slate-500/10`} onClick={() => setSince({ seq: lastSeq, hops: totalHops })} title="Record the hops from now on, to replay later without brokers">
            ● Record
          </button>
          <a href="/replay" className="text-xs text-[var(--muted)] underline-offset-2 hover:underline">
            replay a recording
          </a>
        </>
      )}
    </div>
  );
}
