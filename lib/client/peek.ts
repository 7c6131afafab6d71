"use client";
import { z } from "zod";
import { peekResultSchema, type PeekResult } from "../protocol";
import { presenterHeaders } from "./socket";

const failureSchema = z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) });

export type PeekOutcome = { ok: true; result: PeekResult } | { ok: false; message: string };

/** Asks the server what the broker stores for one of the scenario's peek targets; never throws. */
export async function fetchPeek(scenarioId: string, target: string, limit?: number): Promise<PeekOutcome> {
  const query = new URLSearchParams({ target, ...(limit ? { limit: String(limit) } : {}) });
  let res: Response;
  try {
    res = await fetch(`/api/scenarios/${encodeURIComponent(scenarioId)}/peek?${query.toString()}`, { cache: "no-store", headers: presenterHeaders() });
  } catch {
    return { ok: false, message: "The Hopscope server did not answer. Is it still running?" };
  }
  const body: unknown = await res.json().catch(() => null);
  const parsed = peekResultSchema.safeParse(body);
  if (res.ok && parsed.success) return { ok: true, result: parsed.data };
  const failure = failureSchema.safeParse(body);
  if (failure.success) return { ok: false, message: failure.data.error.message };
  return { ok: false, message: res.ok ? "The server answered with something this page cannot read." : `The server answered ${res.status}.` };
}
