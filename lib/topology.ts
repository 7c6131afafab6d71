import type { CastMember } from "./cast";

export interface TopologyNode {
  id: string;
  label: string;
  role: string;
  kind: "actor" | "channel";
  alive: boolean;
  x: number;
  y: number;
}

export interface TopologyEdge {
  id: string;
  source: string;
  target: string;
}

export interface Topology {
  nodes: TopologyNode[];
  edges: TopologyEdge[];
}

export const TOPOLOGY_COLUMN_GAP = 320;
export const TOPOLOGY_ROW_GAP = 110;

/** Senders on the left, the broker in the middle, receivers on the right, each column centred. */
export function layoutTopology(cast: readonly CastMember[]): Topology {
  const columns = { left: [] as CastMember[], middle: [] as CastMember[], right: [] as CastMember[] };
  for (const member of cast) columns[member.side].push(member);
  const tallest = Math.max(1, columns.left.length, columns.middle.length, columns.right.length);
  const nodes: TopologyNode[] = [];
  (["left", "middle", "right"] as const).forEach((side, column) => {
    const members = columns[side];
    const offset = ((tallest - members.length) * TOPOLOGY_ROW_GAP) / 2;
    members.forEach((m, row) => {
      nodes.push({ id: m.id, label: m.label, role: m.role, kind: m.kind, alive: m.alive, x: column * TOPOLOGY_COLUMN_GAP, y: offset + row * TOPOLOGY_ROW_GAP });
    });
  });
  const edges: TopologyEdge[] = [];
  for (const channel of columns.middle) {
    for (const sender of columns.left) edges.push(edgeBetween(sender.id, channel.id));
    for (const receiver of columns.right) edges.push(edgeBetween(channel.id, receiver.id));
  }
  return { nodes, edges };
}

function edgeBetween(source: string, target: string): TopologyEdge {
  return { id: `${source}->${target}`, source, target };
}

/** The edge a hop travels along, and whether it runs against the edge's direction. */
export function edgeForHop(topology: Topology, from: string, to: string): { edge: TopologyEdge; reverse: boolean } | null {
  for (const edge of topology.edges) {
    if (edge.source === from && edge.target === to) return { edge, reverse: false };
    if (edge.source === to && edge.target === from) return { edge, reverse: true };
  }
  return null;
}
