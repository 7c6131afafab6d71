import { SIDES, type CastMember } from "./cast";
import type { ScenarioInfo } from "./protocol";

export interface TopologyNode {
  id: string;
  label: string;
  role: string;
  kind: "actor" | "channel";
  alive: boolean;
  connections?: string[];
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
}

export interface Topology {
  nodes: TopologyNode[];
  edges: TopologyEdge[];
}

export const TOPOLOGY_COLUMN_GAP = 320;
export const TOPOLOGY_ROW_GAP = 110;

/**
 * Senders on the left, the broker in the middle, receivers on the right and sinks past them,
 * each column centred. Edges follow the scenario's links, or connect every sender and every
 * receiver to every channel.
 */
export function layoutTopology(cast: readonly CastMember[], links?: ScenarioInfo["links"]): Topology {
  const columns = SIDES.map((side) => cast.filter((m) => m.side === side)).filter((members) => members.length > 0);
  const tallest = Math.max(1, ...columns.map((members) => members.length));
  const nodes: TopologyNode[] = [];
  const columnOf = new Map<string, number>();
  columns.forEach((members, column) => {
    const offset = ((tallest - members.length) * TOPOLOGY_ROW_GAP) / 2;
    members.forEach((m, row) => {
      columnOf.set(m.id, column);
      nodes.push({ id: m.id, label: m.label, role: m.role, kind: m.kind, alive: m.alive, ...(m.connections ? { connections: m.connections } : {}), x: column * TOPOLOGY_COLUMN_GAP, y: offset + row * TOPOLOGY_ROW_GAP });
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
  return { nodes, edges };
}

/** The edge a hop travels along, and whether it runs against the edge's direction. */
export function edgeForHop(topology: Topology, from: string, to: string): { edge: TopologyEdge; reverse: boolean } | null {
  for (const edge of topology.edges) {
    if (edge.source === from && edge.target === to) return { edge, reverse: false };
    if (edge.source === to && edge.target === from) return { edge, reverse: true };
  }
  return null;
}
