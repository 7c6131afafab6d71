"use client";
import { peekResultSchema, type PeekResult } from "../protocol";
import { callApi, type ApiOutcome } from "./api";

export type PeekOutcome = ApiOutcome<PeekResult>;

/** Asks the server what the broker stores for one of the scenario's peek targets; never throws. */
export function fetchPeek(scenarioId: string, target: string, limit?: number): Promise<PeekOutcome> {
  const query = new URLSearchParams({ target, ...(limit ? { limit: String(limit) } : {}) });
  return callApi(`/api/scenarios/${encodeURIComponent(scenarioId)}/peek?${query.toString()}`, peekResultSchema);
}
