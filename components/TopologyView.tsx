"use client";
import { BaseEdge, getStraightPath, Handle, Position, ReactFlow, ReactFlowProvider, useReactFlow, useStore, useStoreApi, type Edge, type EdgeProps, type Node, type NodeProps } from "@xyflow/react";
import { memo, useEffect, useMemo, useRef } from "react";
import type { Flight } from "../lib/animation";
import type { Hop } from "../lib/protocol";
import { isMessageHop } from "../lib/protocol";
import { edgeForHop, TOPOLOGY_STAGE_LABEL_CHAR_W, TOPOLOGY_STAGE_LABEL_MARGIN, TOPOLOGY_STAGE_MIN_ZOOM, cutOnStage, type NodeSize, type Topology, type TopologyGroup, type TopologyNode } from "../lib/topology";
import { BROKER_NAMES } from "./BrokerStrip";
import { hopColor } from "./hop-style";
import { ariaKeyShortcuts, titleWithShortcut } from "../lib/shortcuts";
import { NodeSparklines, type NodeSpark } from "./Sparkline";
import { useOnStage } from "./Stage";

/** Short badges that tell the roles apart at a glance. */
const ROLE_BADGES: Record<string, string> = { requester: "Rq", responder: "Rs", producer: "P", worker: "W", publisher: "P", subscriber: "S", consumer: "C", client: "C" };

interface NodeData extends Record<string, unknown> {
  node: TopologyNode;
  size: NodeSize;
  /** One line per node: the big picture on stage. */
  compact: boolean;
  lit: boolean;
  canKill: boolean;
  /** The actor the kill key takes next: its button says so. */
  killedNext: boolean;
  onKill: (actorId: string) => void;
  gauges: Record<string, number> | undefined;
  /** Its gauges' recent history, drawn under it. */
  sparks: readonly NodeSpark[] | undefined;
  sparksAt: number;
}

interface GroupData extends Record<string, unknown> {
  group: TopologyGroup;
}

type FlowNode = Node<NodeData, "actor" | "channel">;
type GroupNode = Node<GroupData, "broker">;

const ActorNode = memo(function ActorNode({ data }: NodeProps<FlowNode>) {
  const { node, size, compact, lit, canKill, killedNext, onKill, gauges, sparks, sparksAt } = data;
  // Hopscope's own guess (a publisher the broker cannot name) is dashed and says so, never passed off as an application.
  const frame = node.inferred ? "border-2 border-dashed border-amber-500 bg-amber-500/5" : node.alive ? "border-[var(--line)] bg-[var(--panel)]" : "border-rose-500/50 bg-rose-500/5 opacity-80";
  const badge = node.inferred ? "bg-amber-500/15 text-amber-800 dark:text-amber-300" : node.alive ? "bg-sky-500/15 text-sky-700 dark:text-sky-300" : "bg-rose-500/15 text-rose-600 dark:text-rose-300";
  return (
    <div
      data-testid={`node-${node.id}`}
      data-alive={node.alive}
      data-inferred={node.inferred ?? false}
      data-compact={compact || undefined}
      title={compact ? `${node.label} · ${node.alive ? node.role : "killed"}` : undefined}
      style={{ width: size.w, height: size.h }}
      className={`relative flex items-center gap-3 rounded-xl border px-3 shadow-sm transition ${frame} ${lit ? "ring-2 ring-violet-500" : ""}`}
    >
      <Handle type="target" id="in" position={Position.Left} isConnectable={false} />
      <span className={`grid h-9 w-9 shrink-0 place-items-center rounded-lg text-sm font-semibold ${badge}`} title={node.inferred ? "Unknown: the broker does not say who published" : undefined}>
        {node.inferred ? "?" : node.alive ? (ROLE_BADGES[node.role] ?? node.role.slice(0, 1).toUpperCase()) : "✕"}
      </span>
      <span className="min-w-0 flex-1">
        <span className="block truncate text-sm font-medium" title={node.label}>
          {node.label}
        </span>
        {!compact && (
          <span className={`block text-[11px] leading-tight ${node.inferred ? "font-medium text-amber-800 dark:text-amber-300" : node.alive ? "text-[var(--muted)]" : "font-medium text-rose-600 dark:text-rose-400"}`}>
            {node.inferred && node.broker ? `${BROKER_NAMES[node.broker]} ${node.role}` : node.alive ? node.role : "killed"}
          </span>
        )}
        {gauges && (
          <span className="block text-[10px] leading-tight text-[var(--muted)]" data-testid={`gauges-${node.id}`} title="Read from the broker">
            {Object.entries(gauges).map(([name, value]) => (
              <span key={name} className="mr-2">
                {name} <b className="font-mono text-[var(--ink)] tabular-nums">{value}</b>
              </span>
            ))}
          </span>
        )}
        {node.alive && node.connections && !compact && (
          <span className="mt-0.5 flex gap-1" title="Its broker connections">
            {node.connections.map((c) => (
              <span key={c} className="rounded bg-sky-500/10 px-1 text-[9px] leading-tight text-sky-700 dark:text-sky-300">
                {c}
              </span>
            ))}
          </span>
        )}
      </span>
      {/* React Flow turns pointer events off on nodes that cannot be selected or dragged. */}
      {canKill && node.alive && (
        <button
          type="button"
          onClick={() => onKill(node.id)}
          className="nodrag pointer-events-auto rounded-md border border-rose-500/40 px-1.5 py-0.5 text-[10px] font-semibold tracking-wide text-rose-600 uppercase transition hover:bg-rose-500 hover:text-white dark:text-rose-300"
          aria-label={`Kill ${node.id}`}
          aria-keyshortcuts={killedNext ? ariaKeyShortcuts("kill") : undefined}
          title={killedNext ? titleWithShortcut(`SIGKILL ${node.id}, the next to be killed`, "kill") : `SIGKILL ${node.id}`}
        >
          kill
        </button>
      )}
      <Handle type="source" id="out" position={Position.Right} isConnectable={false} />
      {sparks && <NodeSparklines nodeId={node.id} sparks={sparks} now={sparksAt} width={size.w} top={size.h} tone="actor" />}
    </div>
  );
});

const ChannelNode = memo(function ChannelNode({ data }: NodeProps<FlowNode>) {
  const { node, size, compact, lit, gauges, sparks, sparksAt } = data;
  return (
    <div
      data-testid={`node-${node.id}`}
      data-compact={compact || undefined}
      title={compact ? `${node.broker ? `${BROKER_NAMES[node.broker]} ` : ""}${node.role} ${node.label}` : undefined}
      // Compact, a channel with many gauges grows a line rather than pushing its name out of the box.
      style={compact ? { width: size.w, minHeight: size.h } : { width: size.w, height: size.h }}
      className={`flex flex-col justify-center rounded-2xl border-2 border-violet-300 dark:border-violet-700 bg-violet-500/10 px-4 ${lit ? "ring-2 ring-violet-500" : ""}`}
    >
      <Handle type="target" id="in" position={Position.Left} isConnectable={false} />
      <Handle type="target" id="top" position={Position.Top} isConnectable={false} />
      {!compact && (
        <span className="text-[10px] font-semibold tracking-wider text-violet-600 uppercase dark:text-violet-300">
          <span className="channel-broker">{node.broker ? BROKER_NAMES[node.broker] : ""} </span>
          {node.role}
        </span>
      )}
      <span className="truncate font-mono text-sm font-medium" title={node.label}>
        {node.label}
      </span>
      {gauges && (
        <span className="mt-0.5 flex gap-3 text-[11px] text-[var(--muted)]" data-testid={`gauges-${node.id}`} title="Read from the broker">
          {Object.entries(gauges).map(([name, value]) => (
            <span key={name}>
              {name} <b className="font-mono text-[var(--ink)] tabular-nums">{value}</b>
            </span>
          ))}
        </span>
      )}
      <Handle type="source" id="out" position={Position.Right} isConnectable={false} />
      <Handle type="source" id="bottom" position={Position.Bottom} isConnectable={false} />
      {sparks && <NodeSparklines nodeId={node.id} sparks={sparks} now={sparksAt} width={size.w} top={size.h} tone="channel" />}
    </div>
  );
});

/** The box behind one broker's channels, where a scenario spans several brokers. */
const BrokerGroup = memo(function BrokerGroup({ data }: NodeProps<GroupNode>) {
  const { group } = data;
  return (
    <div
      data-testid={`group-${group.broker}`}
      style={{ width: group.width, height: group.height }}
      className="rounded-3xl border-2 border-dashed border-slate-400/60 bg-slate-500/[0.06] px-4 pt-1.5 dark:border-slate-500/60 dark:bg-slate-400/[0.06]"
    >
      <span className="block text-2xl leading-8 font-bold tracking-wide text-slate-600 dark:text-slate-300">{BROKER_NAMES[group.broker]}</span>
    </div>
  );
});

const nodeTypes = { actor: ActorNode, channel: ChannelNode, broker: BrokerGroup };

/**
 * A compact picture packs its rows tight: labels at the edges' middles would stack on each other,
 * so each sits on its target's row, just before the node it leads to.
 */
const LabelAtTargetEdge = memo(function LabelAtTargetEdge({ id, sourceX, sourceY, targetX, targetY, label, labelStyle, labelBgStyle, labelBgPadding, style }: EdgeProps) {
  const [path] = getStraightPath({ sourceX, sourceY, targetX, targetY });
  const width = typeof label === "string" ? label.length * TOPOLOGY_STAGE_LABEL_CHAR_W : 0;
  return <BaseEdge id={id} path={path} label={label} labelX={targetX - TOPOLOGY_STAGE_LABEL_MARGIN - width / 2} labelY={targetY} labelStyle={labelStyle} labelBgStyle={labelBgStyle} labelBgPadding={labelBgPadding} style={style} />;
});

const edgeTypes = { labelAtTarget: LabelAtTargetEdge };
const FIT_VIEW = { padding: 0.12, maxZoom: 1 };
// On stage every pixel of margin costs type size, and a small graph may grow past 1:1.
const STAGE_FIT_VIEW = { padding: 0.04, minZoom: TOPOLOGY_STAGE_MIN_ZOOM, maxZoom: 1.3 };
// A variable, so stage mode can raise it from the stylesheet.
const EDGE_LABEL_STYLE = { fontSize: "var(--hs-edge-label, 11px)", fontFamily: "var(--font-mono)", fill: "var(--ink)" };
const EDGE_LABEL_BG = { fill: "var(--panel)", fillOpacity: 0.9 };
const PRO_OPTIONS = { hideAttribution: true };

function sizeOf(topology: Topology, node: TopologyNode): NodeSize {
  return topology.sizes[node.kind];
}

interface TopologyViewProps {
  topology: Topology;
  /** Broker-read figures per channel id. */
  gauges: Record<string, Record<string, number>>;
  /** Their recent history per node id, up to `at` (the newest read), where there is one. */
  sparklines?: { at: number; byNode: Readonly<Record<string, readonly NodeSpark[]>> } | null;
  litNodes: ReadonlySet<string>;
  litEdges: ReadonlySet<string>;
  canKill: (actorId: string) => boolean;
  onKill: (actorId: string) => void;
  /** The actor the kill key takes next, if the presenter has that key. */
  killNext?: string | null;
  flights: () => readonly Flight<Hop>[];
}

function Flow({ topology, gauges, sparklines: history = null, litNodes, litEdges, canKill, onKill, killNext = null, flights }: TopologyViewProps) {
  const stage = useOnStage();
  // Not on stage: the stage layout leaves no room under the nodes, and their small labels are
  // below the projector's type floor. The gauges' values stay in the nodes.
  const sparklines = stage ? null : history;
  const nodes: (FlowNode | GroupNode)[] = useMemo(
    () => [
      // Under the edges (z below 0), so an edge into a channel is not hidden by its box.
      ...topology.groups.map((group): GroupNode => ({ id: group.id, type: "broker", position: { x: group.x, y: group.y }, data: { group }, zIndex: -1, draggable: false, selectable: false, focusable: false })),
      ...topology.nodes.map((node): FlowNode => ({
        id: node.id,
        type: node.kind,
        position: { x: node.x, y: node.y },
        data: { node, size: sizeOf(topology, node), compact: topology.compact, lit: litNodes.has(node.id), canKill: canKill(node.id), killedNext: node.id === killNext, onKill, gauges: gauges[node.id], sparks: sparklines?.byNode[node.id], sparksAt: sparklines?.at ?? 0 },
        draggable: false,
        selectable: false,
      })),
    ],
    [topology, litNodes, canKill, onKill, killNext, gauges, sparklines],
  );
  const edges: Edge[] = useMemo(
    () =>
      topology.edges.map((e) => ({
        id: e.id,
        source: e.source,
        target: e.target,
        sourceHandle: e.vertical ? "bottom" : "out",
        targetHandle: e.vertical ? "top" : "in",
        type: topology.compact && e.label && !e.vertical ? "labelAtTarget" : "straight",
        className: [litEdges.has(e.id) ? "is-lit" : "", e.inferred ? "is-inferred" : e.inferred === false ? "is-observed" : ""].join(" ").trim() || undefined,
        selectable: false,
        ...(e.label ? { label: e.label, labelStyle: EDGE_LABEL_STYLE, labelBgStyle: EDGE_LABEL_BG, labelBgPadding: [4, 2] as [number, number] } : {}),
      })),
    [topology, litEdges],
  );
  const { fitView } = useReactFlow();
  const shape = topology.nodes.map((n) => n.id).join("|");
  useEffect(() => {
    const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    const t = setTimeout(() => void fitView({ ...(stage ? STAGE_FIT_VIEW : FIT_VIEW), duration: still ? 0 : 300 }), 30);
    return () => clearTimeout(t);
  }, [shape, fitView, stage]);

  return (
    <>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        fitView
        fitViewOptions={stage ? STAGE_FIT_VIEW : FIT_VIEW}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        nodesFocusable={false}
        edgesFocusable={false}
        zoomOnScroll={false}
        preventScrolling={false}
        minZoom={0.3}
        maxZoom={1.4}
        proOptions={PRO_OPTIONS}
      />
      <DotLayer topology={topology} flights={flights} stage={stage} />
      {stage && <CutPictureHint topology={topology} />}
    </>
  );
}

/** Dots travel on a canvas above the graph, repainted every frame without touching React. */
/**
 * On stage a picture bigger than its panel is not shrunk below the type floor: part of it is out
 * of view, and the room is told it can be dragged into view.
 */
function CutPictureHint({ topology }: { topology: Topology }) {
  const width = useStore((s) => s.width);
  const height = useStore((s) => s.height);
  if (!cutOnStage(topology, { width, height })) return null;
  return (
    <p className="pointer-events-none absolute bottom-2 right-3 z-10 rounded-md bg-[var(--panel)]/90 px-2 py-0.5 text-sm text-[var(--muted)] shadow-sm" data-testid="picture-cut">
      More of the picture: drag it into view
    </p>
  );
}

function DotLayer({ topology, flights, stage }: { topology: Topology; flights: () => readonly Flight<Hop>[]; stage: boolean }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const store = useStoreApi();
  const topologyRef = useRef({ topology, byId: new Map(topology.nodes.map((n) => [n.id, n])) });
  useEffect(() => {
    topologyRef.current = { topology, byId: new Map(topology.nodes.map((n) => [n.id, n])) };
  }, [topology]);

  useEffect(() => {
    const canvas = canvasRef.current;
    const context = canvas?.getContext("2d");
    if (!canvas || !context) return;
    let frame = 0;
    // Measured on resize only: reading layout every frame would force a reflow per frame.
    let width = 0;
    let height = 0;
    const resize = () => {
      const ratio = window.devicePixelRatio || 1;
      width = canvas.clientWidth;
      height = canvas.clientHeight;
      canvas.width = width * ratio;
      canvas.height = height * ratio;
      context.setTransform(ratio, 0, 0, ratio, 0, 0);
    };
    const observer = new ResizeObserver(resize);
    observer.observe(canvas);
    resize();

    // Read every frame, so a change in the system's setting takes effect without a reload.
    const motion = window.matchMedia("(prefers-reduced-motion: reduce)");
    const dotScale = stage ? 1.7 : 1;
    const draw = () => {
      context.clearRect(0, 0, width, height);
      // Reduced motion: nothing travels or grows; each hop is marked where it lands and fades.
      const still = motion.matches;
      canvas.dataset.motion = still ? "reduced" : "full";
      const [tx, ty, zoom] = store.getState().transform;
      const now = performance.now();
      const { topology: topo, byId } = topologyRef.current;
      for (const flight of flights()) {
        const hop = flight.item;
        const color = hopColor(hop);
        const progress = Math.min(1, Math.max(0, (now - flight.startAt) / (flight.endAt - flight.startAt)));
        const route = isMessageHop(hop) ? edgeForHop(topo, hop.from, hop.to) : null;
        if (!route) {
          // A hop that stays on one node (a timeout, a kill) pulses around it.
          const node = byId.get(hop.to);
          if (!node) continue;
          const { w, h } = sizeOf(topo, node);
          context.strokeStyle = color;
          context.globalAlpha = 1 - progress;
          context.lineWidth = 3 * dotScale;
          const grow = still ? 4 : 6 * progress;
          context.beginPath();
          context.roundRect((node.x - grow) * zoom + tx, (node.y - grow) * zoom + ty, (w + 2 * grow) * zoom, (h + 2 * grow) * zoom, 14 * zoom);
          context.stroke();
          context.globalAlpha = 1;
          continue;
        }
        const source = byId.get(route.edge.source);
        const target = byId.get(route.edge.target);
        if (!source || !target) continue;
        const [a, b] = anchors(route.edge.vertical, sizeOf(topo, source), source, sizeOf(topo, target), target);
        const landed = route.reverse ? 0 : 1;
        const t = still ? landed : easeInOut(route.reverse ? 1 - progress : progress);
        const x = (a.x + (b.x - a.x) * t) * zoom + tx;
        const y = (a.y + (b.y - a.y) * t) * zoom + ty;
        context.fillStyle = color;
        context.shadowColor = color;
        context.shadowBlur = 14 * dotScale;
        if (still) context.globalAlpha = 1 - progress * 0.35;
        context.beginPath();
        context.arc(x, y, 7 * dotScale * Math.max(0.7, zoom), 0, Math.PI * 2);
        context.fill();
        context.shadowBlur = 0;
        context.globalAlpha = 1;
      }
      frame = requestAnimationFrame(draw);
    };
    frame = requestAnimationFrame(draw);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
    };
  }, [flights, store, stage]);

  return <canvas ref={canvasRef} className="pointer-events-none absolute inset-0 z-10 h-full w-full" aria-hidden data-testid="dot-layer" />;
}

/** Where an edge leaves and enters, matching the handles the edge is drawn between. */
function anchors(vertical: boolean, s: NodeSize, source: TopologyNode, t: NodeSize, target: TopologyNode): [{ x: number; y: number }, { x: number; y: number }] {
  if (vertical) return [{ x: source.x + s.w / 2, y: source.y + s.h }, { x: target.x + t.w / 2, y: target.y }];
  return [{ x: source.x + s.w, y: source.y + s.h / 2 }, { x: target.x, y: target.y + t.h / 2 }];
}

function easeInOut(t: number): number {
  return t < 0.5 ? 2 * t * t : 1 - (-2 * t + 2) ** 2 / 2;
}

/** Memoised: the scenario screen renders per frame while hops arrive, the graph must not. */
export const TopologyView = memo(function TopologyView(props: TopologyViewProps) {
  return (
    <div className="relative h-full w-full" data-testid="topology">
      <ReactFlowProvider>
        <Flow {...props} />
      </ReactFlowProvider>
    </div>
  );
});
