"use client";
import { useCallback, useEffect, useState } from "react";
import { z } from "zod";
import { witnessViewSchema, type WitnessView } from "../crosscheck";
import { callApi, type ApiOutcome } from "./api";

/** The API wraps the view as `{ ok: true, result }`. */
const answerSchema = z.object({ ok: z.literal(true), result: witnessViewSchema }).transform((answer) => answer.result);

export type CrossCheckOutcome = { ok: true; view: WitnessView } | { ok: false; message: string };

const path = (scenarioId: string) => `/api/scenarios/${encodeURIComponent(scenarioId)}/crosscheck`;

const asOutcome = (outcome: ApiOutcome<WitnessView>): CrossCheckOutcome => (outcome.ok ? { ok: true, view: outcome.result } : outcome);

/** Whether the broker is being asked about this scenario, and what it says; never throws. */
export async function fetchCrossCheck(scenarioId: string): Promise<CrossCheckOutcome> {
  return asOutcome(await callApi(path(scenarioId), answerSchema));
}

/** Starts or stops the broker's witness of a running scenario (the presenter's); never throws. */
export async function switchCrossCheck(scenarioId: string, on: boolean): Promise<CrossCheckOutcome> {
  return asOutcome(await callApi(path(scenarioId), answerSchema, { method: "POST", body: { on } }));
}

/** While on, the counts move with every publish; while off, only the presenter's switch can change it. */
const CROSS_CHECK_ON_POLL_MS = 1_000;
const CROSS_CHECK_OFF_POLL_MS = 3_000;

export interface CrossCheckControl {
  view: WitnessView | null;
  /** Why the last switch was refused, in the server's words. */
  error: string | null;
  switching: boolean;
  turn: (on: boolean) => Promise<void>;
}

/**
 * The broker's view of a scenario, kept fresh in every browser (the presenter may switch it from
 * another), and the switch. `enabled` false asks nothing: a scenario the broker cannot be asked about.
 */
export function useCrossCheck(scenarioId: string, enabled: boolean): CrossCheckControl {
  const [view, setView] = useState<WitnessView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [switching, setSwitching] = useState(false);
  const on = view?.on ?? false;
  useEffect(() => {
    if (!enabled) {
      setView(null);
      return;
    }
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = () =>
      void fetchCrossCheck(scenarioId).then((outcome) => {
        if (!live) return;
        if (outcome.ok) setView(outcome.view);
        timer = setTimeout(read, (outcome.ok ? outcome.view.on : on) ? CROSS_CHECK_ON_POLL_MS : CROSS_CHECK_OFF_POLL_MS);
      });
    read();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [scenarioId, enabled, on]);
  const turn = useCallback(
    async (wanted: boolean) => {
      setSwitching(true);
      const outcome = await switchCrossCheck(scenarioId, wanted);
      setSwitching(false);
      setError(outcome.ok ? null : outcome.message);
      if (outcome.ok) setView(outcome.view);
    },
    [scenarioId],
  );
  return { view, error, switching, turn };
}
