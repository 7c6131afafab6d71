"use client";
import { z } from "zod";
import { witnessViewSchema, type WitnessView } from "../crosscheck";
import { callApi, type ApiOutcome } from "./api";

/** How often a scenario's page asks for the broker's view while its witness is on. */
export const WITNESS_POLL_MS = 1000;

const answerSchema = z.object({ ok: z.literal(true), result: witnessViewSchema }).transform((answer) => answer.result);

const path = (scenarioId: string) => `/api/scenarios/${encodeURIComponent(scenarioId)}/crosscheck`;

/** The broker's view of a scenario against its actors' reports; never throws. */
export function fetchWitness(scenarioId: string): Promise<ApiOutcome<WitnessView>> {
  return callApi(path(scenarioId), answerSchema);
}

/** Starts or stops the broker's witness of a running scenario (the presenter's); never throws. */
export function switchWitness(scenarioId: string, on: boolean): Promise<ApiOutcome<WitnessView>> {
  return callApi(path(scenarioId), answerSchema, { method: "POST", body: { on } });
}
