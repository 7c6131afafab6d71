/**
 * The sequence diagram as files: a standalone SVG, and a Mermaid sequenceDiagram that tells the
 * same story. Built from the layout and the hops, not from the page, so an export looks the
 * same whatever the browser had on screen.
 */
import type { CastMember } from "./cast";
import { formatMs, hopCaption, isFailure } from "./hops";
import type { ActorHopKind, Hop, MessageHopKind } from "./protocol";
import { isMessageHop } from "./protocol";
import { layoutSequence } from "./sequence";
import { hopDeltas } from "./traces";

export interface ExportPalette {
  background: string;
  text: string;
  muted: string;
  lifeline: string;
  channel: string;
  kinds: Record<MessageHopKind | ActorHopKind, string>;
}

const LABELS: Partial<Record<string, string>> = { "reply-received": "reply received", "actor-killed": "SIGKILL", "actor-exited": "exited" };
const label = (kind: string) => LABELS[kind] ?? kind;

function escapeXml(text: string): string {
  // Control characters are not allowed in XML at all, escaped or not.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "").replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c] ?? c);
}

/** The cast members a set of hops involves, in the cast's order. */
export function castFor(cast: readonly CastMember[], hops: readonly Hop[]): CastMember[] {
  const used = new Set(hops.flatMap((h) => [h.from, h.to]));
  return cast.filter((m) => used.has(m.id));
}

export function sequenceSvg(cast: readonly CastMember[], hops: readonly Hop[], palette: ExportPalette, title: string): string {
  const members = castFor(cast, hops);
  const layout = layoutSequence(members, hops, hopDeltas(hops), { laneWidth: 150, rowHeight: 34, headerHeight: 64 });
  const width = layout.width;
  const height = layout.height + 10;
  const parts: string[] = [];
  parts.push(`<rect width="${width}" height="${height}" fill="${palette.background}"/>`);
  parts.push(`<text x="12" y="20" font-size="13" font-weight="600" fill="${palette.text}">${escapeXml(title)}</text>`);
  for (const lane of layout.lanes) {
    const end = lane.killedAtY ?? height;
    const channel = lane.kind === "channel";
    parts.push(`<text x="${lane.x}" y="48" text-anchor="middle" font-size="12" font-weight="600" fill="${channel ? palette.channel : palette.text}">${escapeXml(lane.label)}</text>`);
    parts.push(`<line x1="${lane.x}" x2="${lane.x}" y1="56" y2="${end}" stroke="${channel ? palette.channel : palette.lifeline}" stroke-width="${channel ? 5 : 1.5}" ${channel ? 'stroke-opacity="0.35"' : 'stroke-dasharray="4 4"'}/>`);
    if (lane.killedAtY !== null) {
      parts.push(`<path d="M${lane.x - 8} ${end - 8}L${lane.x + 8} ${end + 8}M${lane.x - 8} ${end + 8}L${lane.x + 8} ${end - 8}" stroke="${palette.kinds["actor-killed"]}" stroke-width="3"/>`);
    }
  }
  for (const arrow of layout.arrows) {
    const color = arrow.kind === "status" && arrow.failed ? palette.kinds.dropped : palette.kinds[arrow.kind];
    const text = escapeXml(arrow.kind === "reply-received" ? label(arrow.kind) + (arrow.attempt > 1 ? ` #${arrow.attempt}` : "") : arrow.caption);
    if (arrow.self) {
      parts.push(`<path d="M${arrow.x1} ${arrow.y - 7}H${arrow.x1 + 30}V${arrow.y + 7}H${arrow.x1 + 4}" fill="none" stroke="${color}" stroke-width="2"/>`);
      parts.push(`<text x="${arrow.x1 + 36}" y="${arrow.y + 4}" font-size="11" font-weight="600" fill="${color}">${text}</text>`);
      continue;
    }
    const dir = arrow.x2 >= arrow.x1 ? 1 : -1;
    const mid = (arrow.x1 + arrow.x2) / 2;
    parts.push(`<line x1="${arrow.x1}" x2="${arrow.x2 - dir * 7}" y1="${arrow.y}" y2="${arrow.y}" stroke="${color}" stroke-width="2"${arrow.failed ? ' stroke-dasharray="5 3"' : ""}/>`);
    parts.push(`<polygon points="${arrow.x2},${arrow.y} ${arrow.x2 - dir * 9},${arrow.y - 5} ${arrow.x2 - dir * 9},${arrow.y + 5}" fill="${color}"/>`);
    parts.push(`<text x="${mid}" y="${arrow.y - 5}" text-anchor="middle" font-size="11" font-weight="600" fill="${color}">${text}</text>`);
    if (arrow.latency) parts.push(`<text x="${mid}" y="${arrow.y + 12}" text-anchor="middle" font-size="10" font-family="monospace" fill="${palette.muted}">${escapeXml(arrow.latency)}</text>`);
  }
  for (const note of layout.notes) {
    // Kept inside the picture: a note on the rightmost lane reads to the left.
    const leftward = note.x + 10 + note.text.length * 6.2 > width;
    parts.push(`<text x="${leftward ? note.x - 10 : note.x + 10}" y="${note.y + 4}"${leftward ? ' text-anchor="end"' : ""} font-size="11" font-weight="600" fill="${palette.kinds[note.kind]}">${escapeXml(note.text)}</text>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Inter, system-ui, sans-serif">\n${parts.join("\n")}\n</svg>\n`;
}

/** Mermaid message text: no line breaks, and none of the characters its grammar reserves. */
function mermaidText(text: string): string {
  return text.replace(/[\r\n;#:<>]/g, " ").replace(/\s+/g, " ").trim();
}

/**
 * The same story as a Mermaid sequenceDiagram. Participants get plain aliases (Mermaid ids
 * cannot hold the ":" and "." of channel names); a killed actor gets a note; failures are
 * drawn with crossed arrows.
 */
export function sequenceMermaid(cast: readonly CastMember[], hops: readonly Hop[], title: string): string {
  const members = castFor(cast, hops);
  const alias = new Map(members.map((m, i) => [m.id, `${m.kind === "channel" ? "C" : "A"}${i}`]));
  const deltas = hopDeltas(hops);
  const lines = ["sequenceDiagram", `    title ${mermaidText(title)}`];
  for (const m of members) lines.push(`    ${m.kind === "channel" ? "participant" : "participant"} ${alias.get(m.id)} as ${mermaidText(m.label)}`);
  for (const hop of hops) {
    const from = alias.get(hop.from);
    const to = alias.get(hop.to);
    if (!from || !to) continue;
    if (!isMessageHop(hop)) {
      if (hop.kind === "actor-started") continue;
      const detail = hop.kind === "rebalanced" && hop.partitions ? ` ${hop.partitions.map((p) => `p${p}`).join(" ")}` : hop.reason ? ` ${hop.reason}` : "";
      lines.push(`    Note over ${from}: ${mermaidText(label(hop.kind) + detail)}`);
      continue;
    }
    const failed = isFailure(hop);
    const latency = hop.rttMs !== undefined ? ` rtt ${formatMs(hop.rttMs)}` : deltas.has(hop.seq) ? ` +${formatMs(deltas.get(hop.seq) ?? 0)}` : "";
    const text = mermaidText(`${hop.call ? hopCaption(hop) : `${label(hop.kind)}${hop.message.attempt > 1 ? ` attempt ${hop.message.attempt}` : ""}`} ${hop.message.id}${latency}`);
    lines.push(`    ${from}${failed ? "--x" : "->>"}${to}: ${text}`);
  }
  return `${lines.join("\n")}\n`;
}
