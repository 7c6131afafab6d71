import { SIDES, type CastMember } from "./cast";
import type { TransportId, ScenarioInfo } from "./protocol";

export interface TopologyNode {
  id: string;
  label: string;
  role: string;
  kind: "actor" | "channel";
  alive: boolean;
  connections?: string[];
  /** For a channel: the broker it lives on. */
  broker?: TransportId;
  /** Hopscope's guess rather than something a tap or a span reported: drawn dashed. */
  inferred?: boolean;
  x: number;
  y: number;
}

export interface TopologyEdge {
  id: string;
  source: string;
  target: string;
  /** Both ends in one column: drawn from the bottom of one to the top of the other. */
  vertical: boolean;
  label?: string;
  /** One of its ends is Hopscope's guess: drawn dashed. */
  inferred?: boolean;
}

/** A box drawn behind the channels of one broker, where a scenario spans several. */
export interface TopologyGroup {
  id: string;
  broker: TransportId;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface NodeSize {
  w: number;
  h: number;
}

export interface Topology {
  nodes: TopologyNode[];
  edges: TopologyEdge[];
  /** Empty unless the scenario spans more than one broker. */
  groups: TopologyGroup[];
  /** How big each kind of node is drawn: the boxes and the dots depend on it. */
  sizes: Record<TopologyNode["kind"], NodeSize>;
  /**
   * A big picture on stage: one line per node (its name, and a channel's gauges), so many nodes
   * fit the screen at the type floor. The roles and the channels' kinds are left to the title.
   */
  compact: boolean;
}

export const TOPOLOGY_COLUMN_GAP = 320;
export const TOPOLOGY_ROW_GAP = 110;
/** Drawn sizes of the nodes, which the broker boxes and the dots need to know. */
export const TOPOLOGY_NODE_SIZE: Topology["sizes"] = { actor: { w: 224, h: 64 }, channel: { w: 208, h: 84 } };
/**
 * A story across brokers has many receivers with long names (the role says which queue it
 * serves, e.g. inventory-worker-11): actors are drawn wider so a name is not cut next to its
 * kill button, and receivers are packed closer, so the picture keeps a size a room can read.
 */
export const TOPOLOGY_STORY_NODE_SIZE: Topology["sizes"] = { actor: { w: 260, h: 64 }, channel: TOPOLOGY_NODE_SIZE.channel };
export const TOPOLOGY_STORY_ACTOR_ROW_GAP = 84;
/**
 * On stage the type grows and the boxes with it, while the space between boxes barely does: the
 * picture is scaled to fit its panel, so every unit of empty space would shrink the type again.
 */
/** A channel on stage holds its kind, its name and up to three gauge lines at 16 px and more. */
export const TOPOLOGY_STAGE_NODE_SIZE: Topology["sizes"] = { actor: { w: 304, h: 88 }, channel: { w: 280, h: 122 } };
export const TOPOLOGY_STAGE_ROW_SPACE = 24;
export const TOPOLOGY_STAGE_COLUMN_SPACE = 88;
/**
 * Past this many nodes in a column, or columns in the picture, the stage draws the compact
 * picture: with the full boxes it would be scaled under the type floor at 1280×720.
 */
export const TOPOLOGY_STAGE_MAX_ROWS = 4;
export const TOPOLOGY_STAGE_MAX_COLUMNS = 4;
/** One line of stage type per node; a channel with gauges has a second line for them. */
export const TOPOLOGY_COMPACT_NODE_SIZE: Topology["sizes"] = { actor: { w: 220, h: 36 }, channel: { w: 208, h: 36 } };
export const TOPOLOGY_COMPACT_GAUGED_CHANNEL_H = 60;
export const TOPOLOGY_COMPACT_ROW_SPACE = 6;
export const TOPOLOGY_COMPACT_COLUMN_SPACE = 40;
/**
 * A compact picture's edge labels sit just before the node they lead to, one per row, so the
 * space before a column holds its longest label: a character of the stage's edge label type, and
 * a margin either side.
 */
export const TOPOLOGY_STAGE_LABEL_CHAR_W = 12;
export const TOPOLOGY_STAGE_LABEL_MARGIN = 8;
/** The smallest type in a node on stage (app/globals.css sets it), in px at a zoom of 1. */
export const TOPOLOGY_STAGE_NODE_TYPE_PX = 20;
/**
 * The smallest zoom on stage: a picture bigger than its panel is never drawn under 16 px to make
 * it fit; what does not fit is dragged into view instead.
 */
export const TOPOLOGY_STAGE_MIN_ZOOM = 16 / TOPOLOGY_STAGE_NODE_TYPE_PX;
/** Extra space between two brokers' channels in one column, so their boxes stand apart. */
export const TOPOLOGY_GROUP_GAP = 64;
export const TOPOLOGY_COMPACT_GROUP_GAP = 16;
/** How far a broker box reaches past its channels; the top leaves room for its label. */
export const TOPOLOGY_GROUP_PADDING = { x: 16, top: 40, bottom: 14 } as const;
export const TOPOLOGY_COMPACT_GROUP_PADDING = { x: 10, top: 30, bottom: 6 } as const;

/** How wide and tall the drawn picture is, broker boxes included, in layout units. */
export function topologyExtent(topology: Topology): { width: number; height: number } {
  const boxes = [...topology.nodes.map((n) => ({ x: n.x, y: n.y, ...topology.sizes[n.kind] })), ...topology.groups.map((g) => ({ x: g.x, y: g.y, w: g.width, h: g.height }))];
  if (boxes.length === 0) return { width: 0, height: 0 };
  return {
    width: Math.max(...boxes.map((b) => b.x + b.w)) - Math.min(...boxes.map((b) => b.x)),
    height: Math.max(...boxes.map((b) => b.y + b.h)) - Math.min(...boxes.map((b) => b.y)),
  };
}

/**
 * Whether the picture, drawn no smaller than stage mode's floor allows, is bigger than the pane
 * it is drawn in: then part of it is out of view until dragged in.
 */
export function cutOnStage(topology: Topology, pane: { width: number; height: number }): boolean {
  if (pane.width <= 0 || pane.height <= 0) return false;
  const extent = topologyExtent(topology);
  return extent.width * TOPOLOGY_STAGE_MIN_ZOOM > pane.width || extent.height * TOPOLOGY_STAGE_MIN_ZOOM > pane.height;
}

export interface TopologyOptions {
  /** Draw each broker's channels as a separate, boxed group: for scenarios that span brokers. */
  groupByBroker?: boolean;
  /** A column per step of the links rather than senders, broker, receivers (see ScenarioInfo.layout). */
  pipeline?: boolean;
  /** Larger boxes packed closer, for the large type of stage mode. */
  stage?: boolean;
  /** The channels show gauges: on stage a compact channel keeps a line for them. */
  gauged?: boolean;
}

/**
 * Senders on the left, the broker in the middle, receivers on the right and sinks past them,
 * each column centred. Edges follow the scenario's links, or connect every sender and every
 * receiver to every channel. Grouped by broker, a column's channels are stacked broker by broker
 * (in the order the scenario first names each), and receivers follow the channels they read, so
 * their edges do not cross.
 */
export function layoutTopology(cast: readonly CastMember[], links?: ScenarioInfo["links"], options: TopologyOptions = {}): Topology {
  const grouped = options.groupByBroker ?? false;
  const pipeline = options.pipeline && links ? links : null;
  const columns = pipeline ? stagesOf(cast, pipeline) : SIDES.map((side) => cast.filter((m) => m.side === side)).filter((members) => members.length > 0);
  if (grouped) {
    for (const [i, members] of columns.entries()) if (members.some((m) => m.kind === "channel")) columns[i] = byBroker(members);
    if (pipeline) {
      for (const [i, members] of columns.entries()) if (i > 0 && members.every((m) => m.kind === "actor")) columns[i] = followChannels(members, columns, pipeline);
    } else {
      const right = columns.findIndex((members) => members[0]?.side === "right");
      const readers = right >= 0 ? columns[right] : undefined;
      if (readers && links) columns[right] = followChannels(readers, columns, links);
    }
  }
  const compact = (options.stage ?? false) && (columns.length > TOPOLOGY_STAGE_MAX_COLUMNS || columns.some((members) => members.length > TOPOLOGY_STAGE_MAX_ROWS));
  const compactSizes = { ...TOPOLOGY_COMPACT_NODE_SIZE, channel: { ...TOPOLOGY_COMPACT_NODE_SIZE.channel, ...(options.gauged ? { h: TOPOLOGY_COMPACT_GAUGED_CHANNEL_H } : {}) } };
  const sizes = compact ? compactSizes : options.stage ? TOPOLOGY_STAGE_NODE_SIZE : grouped ? TOPOLOGY_STORY_NODE_SIZE : TOPOLOGY_NODE_SIZE;
  const tallestNode = Math.max(sizes.actor.h, sizes.channel.h);
  const rowSpace = compact ? TOPOLOGY_COMPACT_ROW_SPACE : TOPOLOGY_STAGE_ROW_SPACE;
  const rowGap = options.stage ? tallestNode + rowSpace : TOPOLOGY_ROW_GAP;
  const actorRowGap = options.stage ? sizes.actor.h + rowSpace : TOPOLOGY_STORY_ACTOR_ROW_GAP;
  const columnGap = options.stage ? Math.max(sizes.actor.w, sizes.channel.w) + (compact ? TOPOLOGY_COMPACT_COLUMN_SPACE : TOPOLOGY_STAGE_COLUMN_SPACE) : TOPOLOGY_COLUMN_GAP;
  const groupGap = compact ? TOPOLOGY_COMPACT_GROUP_GAP : TOPOLOGY_GROUP_GAP;
  const columnXs = compact ? compactColumnXs(columns, links, columnGap - TOPOLOGY_COMPACT_COLUMN_SPACE) : columns.map((_, column) => column * columnGap);
  const groupPadding = compact ? TOPOLOGY_COMPACT_GROUP_PADDING : TOPOLOGY_GROUP_PADDING;
  // Each member's offset within its column: a row apart, plus a gap where the broker changes.
  const offsets = columns.map((members) => {
    let y = 0;
    return members.map((m, row) => {
      const previous = members[row - 1];
      if (!previous) return y;
      // Two actors need only an actor's height apart, though a channel (taller on stage) sets the row.
      if (m.kind === "actor" && previous.kind === "actor" && (grouped || options.stage)) y += actorRowGap;
      else if (!grouped) y += rowGap;
      // Compact broker boxes are padded tight, so the gap makes room for both paddings.
      else y += rowGap + (m.broker !== previous.broker ? groupGap + (compact ? groupPadding.top + groupPadding.bottom : 0) : 0);
      return y;
    });
  });
  const tallest = Math.max(0, ...offsets.map((ys) => ys[ys.length - 1] ?? 0));
  const nodes: TopologyNode[] = [];
  const columnOf = new Map<string, number>();
  columns.forEach((members, column) => {
    const ys = offsets[column] ?? [];
    const offset = (tallest - (ys[ys.length - 1] ?? 0)) / 2;
    members.forEach((m, row) => {
      columnOf.set(m.id, column);
      nodes.push({
        id: m.id,
        label: m.label,
        role: m.role,
        kind: m.kind,
        alive: m.alive,
        ...(m.connections ? { connections: m.connections } : {}),
        ...(m.broker ? { broker: m.broker } : {}),
        ...(m.inferred ? { inferred: true } : {}),
        x: columnXs[column] ?? 0,
        y: offset + (ys[row] ?? 0),
      });
    });
  });
  const edge = (source: string, target: string, label?: string): TopologyEdge => ({
    id: `${source}->${target}`,
    source,
    target,
    vertical: columnOf.get(source) === columnOf.get(target),
    ...(label ? { label } : {}),
  });
  const edges: TopologyEdge[] = [];
  if (links) {
    const ends = (end: string) => (end.startsWith("role:") ? cast.filter((m) => m.kind === "actor" && m.role === end.slice(5)).map((m) => m.id) : columnOf.has(end) ? [end] : []);
    for (const link of links) for (const from of ends(link.from)) for (const to of ends(link.to)) edges.push(edge(from, to, link.label));
  } else {
    const channels = cast.filter((m) => m.side === "middle");
    for (const channel of channels) {
      for (const sender of cast.filter((m) => m.side === "left")) edges.push(edge(sender.id, channel.id));
      for (const receiver of cast.filter((m) => m.side === "right")) edges.push(edge(channel.id, receiver.id));
    }
  }
  return { nodes, edges, groups: grouped ? groupsOf(nodes, sizes.channel, groupPadding) : [], sizes, compact };
}

/** Where each column of a compact picture starts: after the widest box and its longest edge label. */
function compactColumnXs(columns: readonly CastMember[][], links: ScenarioInfo["links"], widest: number): number[] {
  const columnsOf = (end: string) => [...new Set(columns.flatMap((members, column) => (members.some((m) => m.id === end || `role:${m.role}` === end) ? [column] : [])))];
  const space = columns.map(() => TOPOLOGY_COMPACT_COLUMN_SPACE);
  for (const link of links ?? []) {
    if (!link.label) continue;
    const from = Math.min(...columnsOf(link.from));
    for (const column of columnsOf(link.to)) {
      if (column === from) continue;
      const before = Math.max(column, from);
      space[before] = Math.max(space[before] ?? 0, link.label.length * TOPOLOGY_STAGE_LABEL_CHAR_W + 2 * TOPOLOGY_STAGE_LABEL_MARGIN);
    }
  }
  const xs: number[] = [];
  columns.forEach((_, column) => xs.push(column === 0 ? 0 : (xs[column - 1] ?? 0) + widest + (space[column] ?? 0)));
  return xs;
}

/**
 * One column per step along the links, from the senders: the channel they use, the actors that
 * serve it, the channels those write to, their readers. Whatever no link reaches stays at the
 * far left (a sender) or the far right.
 */
function stagesOf(cast: readonly CastMember[], links: NonNullable<ScenarioInfo["links"]>): CastMember[][] {
  const ends = (end: string) => (end.startsWith("role:") ? cast.filter((m) => m.kind === "actor" && m.role === end.slice(5)).map((m) => m.id) : [end]);
  const step = new Map<string, number>();
  let frontier = new Set(cast.filter((m) => m.side === "left").map((m) => m.id));
  for (const id of frontier) step.set(id, 0);
  for (let n = 1; frontier.size > 0; n++) {
    const next = new Set<string>();
    for (const link of links) {
      if (!ends(link.from).some((id) => frontier.has(id))) continue;
      for (const to of ends(link.to)) if (!step.has(to)) next.add(to);
    }
    for (const id of next) step.set(id, n);
    frontier = next;
  }
  const last = Math.max(0, ...step.values());
  const columns: CastMember[][] = Array.from({ length: last + 1 }, () => []);
  for (const m of cast) columns[step.get(m.id) ?? (m.side === "left" ? 0 : last)]?.push(m);
  return columns.filter((members) => members.length > 0);
}

/** The column's channels broker by broker, each broker where the scenario first names it. */
function byBroker(members: readonly CastMember[]): CastMember[] {
  const order = [...new Set(members.map((m) => m.broker))];
  return [...members].sort((a, b) => order.indexOf(a.broker) - order.indexOf(b.broker));
}

/**
 * Readers in the order of the channels they read (the mean row of those channels), so edges
 * from a stack of channels fan out without crossing. Ties and receivers that read no channel
 * keep their order.
 */
function followChannels(readers: readonly CastMember[], columns: readonly CastMember[][], links: NonNullable<ScenarioInfo["links"]>): CastMember[] {
  const rowOf = new Map<string, number>();
  let row = 0;
  for (const members of columns) for (const m of members) if (m.kind === "channel") rowOf.set(m.id, row++);
  const rank = new Map<string, number>();
  for (const reader of readers) {
    const rows = links.filter((l) => rowOf.has(l.from) && (l.to === reader.id || l.to === `role:${reader.role}`)).map((l) => rowOf.get(l.from) ?? 0);
    rank.set(reader.id, rows.length ? rows.reduce((sum, r) => sum + r, 0) / rows.length : Number.MAX_SAFE_INTEGER);
  }
  return [...readers].sort((a, b) => (rank.get(a.id) ?? 0) - (rank.get(b.id) ?? 0));
}

/** One box per run of one broker's channels in a column. */
function groupsOf(nodes: readonly TopologyNode[], { w, h }: NodeSize, pad: { x: number; top: number; bottom: number }): TopologyGroup[] {
  const groups: TopologyGroup[] = [];
  let current: { broker: TransportId; x: number; top: number; bottom: number } | null = null;
  const close = () => {
    if (!current) return;
    const { broker, x, top, bottom } = current;
    const seen = groups.filter((g) => g.broker === broker).length;
    groups.push({ id: seen ? `group:${broker}:${seen + 1}` : `group:${broker}`, broker, x: x - pad.x, y: top - pad.top, width: w + 2 * pad.x, height: bottom - top + pad.top + pad.bottom });
    current = null;
  };
  for (const node of nodes) {
    if (node.kind !== "channel" || !node.broker) {
      close();
      continue;
    }
    if (current && (current.broker !== node.broker || current.x !== node.x)) close();
    if (current) current.bottom = node.y + h;
    else current = { broker: node.broker, x: node.x, top: node.y, bottom: node.y + h };
  }
  close();
  return groups;
}

/** The edge a hop travels along, and whether it runs against the edge's direction. */
export function edgeForHop(topology: Topology, from: string, to: string): { edge: TopologyEdge; reverse: boolean } | null {
  for (const edge of topology.edges) {
    if (edge.source === from && edge.target === to) return { edge, reverse: false };
    if (edge.source === to && edge.target === from) return { edge, reverse: true };
  }
  return null;
}
