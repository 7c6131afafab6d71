import type { CastMember } from "./cast";
import type { ActorHopKind, TransportId, Hop, MessageHopKind } from "./protocol";
import { isMessageHop } from "./protocol";
import { formatMs, hopCaption, isFailure } from "./hops";

export interface Lane {
  id: string;
  label: string;
  role: string;
  kind: "actor" | "channel";
  /** For a channel: the broker it lives on. */
  broker?: TransportId;
  x: number;
  /** Where the lifeline ends with a cross, when the actor was killed in view. */
  killedAtY: number | null;
  /** Put there by Hopscope, not reported by anything (a publisher the broker cannot name). */
  inferred: boolean;
}

export interface Arrow {
  seq: number;
  kind: MessageHopKind;
  traceId: string;
  messageId: string;
  x1: number;
  x2: number;
  y: number;
  /** from === to: drawn as a small loop on the lane. */
  self: boolean;
  attempt: number;
  /** On a broadcast publish: how many subscribers got it. */
  receivers: number | null;
  latency: string | null;
  failed: boolean;
  /** What the arrow says: its kind, or a gRPC status's code, a streamed message's place, an attempt. */
  caption: string;
  /** A gRPC status's details, for whoever looks closer. */
  details: string | null;
  /** A read model's answer that missed the latest write. */
  stale: boolean;
  /** One of its ends is Hopscope's guess: drawn dashed. */
  inferred: boolean;
}

/** Something that happened to an actor rather than to a message, e.g. a rebalance. */
export interface Note {
  seq: number;
  kind: ActorHopKind;
  x: number;
  y: number;
  text: string;
}

export interface SequenceLayout {
  width: number;
  height: number;
  lanes: Lane[];
  arrows: Arrow[];
  notes: Note[];
}

export interface SequenceOptions {
  laneWidth: number;
  rowHeight: number;
  headerHeight: number;
}

export const DEFAULT_SEQUENCE_OPTIONS: SequenceOptions = { laneWidth: 170, rowHeight: 30, headerHeight: 56 };

/**
 * One row per hop in the order given (oldest first). `deltas` holds each hop's time since the
 * previous hop of its message, printed on the arrow. `rttMs` wins where the sender measured it.
 */
export function layoutSequence(
  cast: readonly CastMember[],
  hops: readonly Hop[],
  deltas: ReadonlyMap<number, number>,
  options: SequenceOptions = DEFAULT_SEQUENCE_OPTIONS,
): SequenceLayout {
  const { laneWidth, rowHeight, headerHeight } = options;
  const lanes: Lane[] = cast.map((m, i) => ({
    id: m.id,
    label: m.label,
    role: m.role,
    kind: m.kind,
    ...(m.broker ? { broker: m.broker } : {}),
    x: laneWidth / 2 + i * laneWidth,
    killedAtY: null,
    inferred: m.inferred ?? false,
  }));
  const laneById = new Map(lanes.map((l) => [l.id, l]));
  const arrows: Arrow[] = [];
  const notes: Note[] = [];
  let row = 0;
  for (const hop of hops) {
    const y = headerHeight + rowHeight * (row + 0.5);
    if (!isMessageHop(hop)) {
      // A start needs no row: the lifeline is simply there. An end gets one, for its cross.
      const lane = laneById.get(hop.actor.id);
      if (!lane || hop.kind === "actor-started") continue;
      if (hop.kind === "actor-killed" || hop.kind === "actor-exited") lane.killedAtY ??= y;
      else notes.push({ seq: hop.seq, kind: hop.kind, x: lane.x, y, text: noteText(hop.kind, hop.partitions, hop.reason) });
      row++;
      continue;
    }
    const from = laneById.get(hop.from);
    const to = laneById.get(hop.to);
    if (!from || !to) continue;
    const delta = deltas.get(hop.seq);
    const latencyMs = hop.rttMs ?? delta;
    arrows.push({
      seq: hop.seq,
      kind: hop.kind,
      traceId: hop.message.traceId,
      messageId: hop.message.id,
      x1: from.x,
      x2: to.x,
      y,
      self: from === to,
      attempt: hop.message.attempt,
      receivers: hop.receivers ?? null,
      latency: latencyMs === undefined ? null : (hop.rttMs !== undefined ? "rtt " : "+") + formatMs(latencyMs),
      failed: isFailure(hop),
      caption: hopCaption(hop),
      details: hop.call?.status?.details || null,
      stale: hop.read !== undefined && hop.read.version < hop.read.written,
      inferred: from.inferred || to.inferred,
    });
    row++;
  }
  return { width: Math.max(laneWidth, lanes.length * laneWidth), height: headerHeight + rowHeight * (row + 1), lanes, arrows, notes };
}

function noteText(kind: ActorHopKind, partitions: readonly number[] | undefined, reason: string | undefined): string {
  if (kind === "rebalanced") return partitions ? `rebalanced → ${partitions.length ? partitions.map((p) => `p${p}`).join(" ") : "no partitions"}` : "rebalanced";
  return reason ? `${kind.replace("-", " ")}: ${reason}` : kind.replace("-", " ");
}
