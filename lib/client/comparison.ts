"use client";
import { useCallback, useEffect, useState } from "react";
import type { ComparisonView } from "../comparisons";
import type { CommandResult } from "../protocol";
import { presenterHeaders } from "./socket";

/** Often enough that a kill's effects show within a second, rarely enough to cost nothing. */
const REFRESH_MS = 1_000;

export interface ComparisonActions {
  start(): Promise<CommandResult>;
  stop(): Promise<CommandResult>;
  command(command: { type: "publish"; count: number } | { type: "kill" } | { type: "add" } | { type: "reset" } | { type: "comeback" }): Promise<CommandResult>;
}

async function post(path: string, body: unknown): Promise<CommandResult> {
  try {
    const res = await fetch(path, { method: "POST", headers: { "content-type": "application/json", ...presenterHeaders() }, body: JSON.stringify(body) });
    return (await res.json()) as CommandResult;
  } catch (error) {
    return { ok: false, error: { code: "internal", message: `The server did not answer: ${(error as Error).message}` } };
  }
}

/** A comparison's sides and table, read from the server every second, and its controls. */
export function useComparison(id: string): { view: ComparisonView | null; error: string | null; actions: ComparisonActions } {
  const [view, setView] = useState<ComparisonView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    let live = true;
    const load = async () => {
      try {
        const res = await fetch(`/api/comparisons/${encodeURIComponent(id)}`);
        const body = (await res.json()) as ComparisonView | { ok: false; error: { message: string } };
        if (!live) return;
        if ("info" in body) {
          setView(body);
          setError(null);
        } else setError(body.error.message);
      } catch (e) {
        if (live) setError(`The server did not answer: ${(e as Error).message}`);
      }
    };
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [id, tick]);
  const base = `/api/comparisons/${encodeURIComponent(id)}`;
  const after = useCallback(
    async (action: Promise<CommandResult>) => {
      const result = await action;
      refresh();
      return result;
    },
    [refresh],
  );
  const start = useCallback(() => after(post(`${base}/start`, {})), [after, base]);
  const stop = useCallback(() => after(post(`${base}/stop`, {})), [after, base]);
  const command = useCallback((c: Parameters<ComparisonActions["command"]>[0]) => after(post(`${base}/commands`, c)), [after, base]);
  return { view, error, actions: { start, stop, command } };
}
