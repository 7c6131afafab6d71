"use client";
import { z } from "zod";
import { presenterHeaders } from "./socket";

const failureSchema = z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) });

export type ApiOutcome<T> = { ok: true; result: T } | { ok: false; message: string };

/** One call to the HTTP API, as the presenter where this browser holds the token; its answer checked against `schema`; never throws. */
export async function callApi<T>(path: string, schema: z.ZodType<T>, init: { method?: "GET" | "POST"; body?: unknown } = {}): Promise<ApiOutcome<T>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? "GET",
      cache: "no-store",
      headers: { ...presenterHeaders(), ...(init.body === undefined ? {} : { "content-type": "application/json" }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch {
    return { ok: false, message: "The Hopscope server did not answer. Is it still running?" };
  }
  const body: unknown = await res.json().catch(() => null);
  const parsed = schema.safeParse(body);
  if (res.ok && parsed.success) return { ok: true, result: parsed.data };
  const failure = failureSchema.safeParse(body);
  if (failure.success) return { ok: false, message: failure.data.error.message };
  return { ok: false, message: res.ok ? "The server answered with something this page cannot read." : `The server answered ${res.status}.` };
}
