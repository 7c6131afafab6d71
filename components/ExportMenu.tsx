"use client";
import { useState } from "react";
import type { CastMember } from "../lib/cast";
import { downloadFile, svgToPng } from "../lib/client/download";
import { sequenceMermaid, sequenceSvg, type ExportPalette } from "../lib/export";
import type { Hop } from "../lib/protocol";
import { HOP_COLORS } from "./hop-style";

interface ExportMenuProps {
  scenarioId: string;
  title: string;
  /** What to export, gathered when a button is pressed: the selected message, or the window on screen. */
  collect: () => { cast: readonly CastMember[]; hops: readonly Hop[] };
  empty: boolean;
  scope: string;
}

/** The page's current colours, so an export in dark mode looks like the dark page. */
function palette(): ExportPalette {
  const css = getComputedStyle(document.documentElement);
  const read = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return { background: read("--panel", "#ffffff"), text: read("--ink", "#0f172a"), muted: read("--muted", "#64748b"), lifeline: read("--lifeline", "#94a3b8"), channel: "#8b5cf6", kinds: HOP_COLORS };
}

export function ExportMenu({ scenarioId, title, collect, empty, scope }: ExportMenuProps) {
  const [error, setError] = useState<string | null>(null);
  const button = "rounded-md border border-[var(--line)] px-2 py-0.5 font-medium hover:bg-slate-500/10 disabled:opacity-40";
  const svg = () => {
    const { cast, hops } = collect();
    return sequenceSvg(cast, hops, palette(), title);
  };
  const name = `${scenarioId}-sequence`;
  return (
    <div className="flex flex-wrap items-center gap-1.5 text-2xs text-[var(--muted)]" data-testid="export">
      <span>Export {scope}:</span>
      <button type="button" className={button} disabled={empty} onClick={() => downloadFile(`${name}.svg`, svg(), "image/svg+xml")}>
        SVG
      </button>
      <button
        type="button"
        className={button}
        disabled={empty}
        onClick={async () => {
          try {
            downloadFile(`${name}.png`, await svgToPng(svg()));
            setError(null);
          } catch (e) {
            setError(e instanceof Error ? e.message : String(e));
          }
        }}
      >
        PNG
      </button>
      <button
        type="button"
        className={button}
        disabled={empty}
        onClick={() => {
          const { cast, hops } = collect();
          downloadFile(`${name}.mmd`, sequenceMermaid(cast, hops, title), "text/vnd.mermaid");
        }}
      >
        Mermaid
      </button>
      {error && <span className="text-rose-600">{error}</span>}
    </div>
  );
}
