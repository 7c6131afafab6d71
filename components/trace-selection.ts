"use client";
import { useMemo } from "react";
import type { Hop, ScenarioInfo } from "../lib/protocol";
import { isMessageHop } from "../lib/protocol";
import { assembleTraces, type Trace } from "../lib/traces";

/** The selected message's trace, and the nodes and edges its hops light up in the topology. */
export function useTraceSelection(selected: string | null, log: readonly Hop[] | undefined, info: ScenarioInfo): { trace: Trace | null; litNodes: ReadonlySet<string>; litEdges: ReadonlySet<string> } {
  const trace = useMemo(() => (selected && log ? (assembleTraces(log.filter((h) => isMessageHop(h) && h.message.traceId === selected), info).get(selected) ?? null) : null), [selected, log, info]);
  // Keyed on the trace's content: a new log array alone must not re-render the graph.
  const route = trace?.hops.map((h) => `${h.from}>${h.to}`).join(",") ?? "";
  const litNodes = useMemo(() => new Set(route ? route.split(/[,>]/) : []), [route]);
  const litEdges = useMemo(
    () =>
      new Set(
        route
          ? route.split(",").flatMap((pair) => {
              const [a, b] = pair.split(">");
              return [`${a}->${b}`, `${b}->${a}`];
            })
          : [],
      ),
    [route],
  );
  return { trace, litNodes, litEdges };
}
