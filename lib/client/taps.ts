"use client";
import { useCallback, useEffect, useState } from "react";
import { z } from "zod";
import { tapStatusSchema, type TapRequest, type TapStatus } from "../observed";
import { presenterHeaders } from "./socket";

const answerSchema = z.union([
  z.object({ ok: z.literal(true), result: tapStatusSchema }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
]);

/** The taps' status, or why the server would not start them: its HTTP status and its words. */
export type TapOutcome = { ok: true; status: TapStatus } | { ok: false; httpStatus: number | null; message: string };

/** What taps run now; never throws. */
export function fetchTaps(): Promise<TapOutcome> {
  return ask(() => fetch("/api/observe/taps", { cache: "no-store" }));
}

/** Replaces the running taps with these (none stops them); never throws. */
export function setTaps(targets: TapRequest): Promise<TapOutcome> {
  return ask(() => fetch("/api/observe/taps", { method: "POST", cache: "no-store", headers: { "content-type": "application/json", ...presenterHeaders() }, body: JSON.stringify(targets) }));
}

async function ask(send: () => Promise<Response>): Promise<TapOutcome> {
  let res: Response;
  try {
    res = await send();
  } catch {
    return { ok: false, httpStatus: null, message: "The Hopscope server did not answer. Is it still running?" };
  }
  const answer = answerSchema.safeParse(await res.json().catch(() => null));
  if (!answer.success) return { ok: false, httpStatus: res.status, message: `The server answered ${res.status} with something this page cannot read.` };
  return answer.data.ok ? { ok: true, status: answer.data.result } : { ok: false, httpStatus: res.status, message: answer.data.error.message };
}

/** Read again this often, so every browser sees taps the presenter started elsewhere. */
const TAPS_POLL_MS = 5_000;

/** What taps run, kept fresh, and how to change them (the presenter's). */
export function useTaps(): { status: TapStatus | null; apply: (targets: TapRequest) => Promise<TapOutcome> } {
  const [status, setStatus] = useState<TapStatus | null>(null);
  useEffect(() => {
    let live = true;
    const read = () =>
      void fetchTaps().then((outcome) => {
        if (live && outcome.ok) setStatus(outcome.status);
      });
    read();
    const timer = setInterval(read, TAPS_POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  const apply = useCallback(async (targets: TapRequest) => {
    const outcome = await setTaps(targets);
    if (outcome.ok) setStatus(outcome.status);
    else {
      // A refusal leaves the taps running before as they were: the page says what runs now.
      const now = await fetchTaps();
      if (now.ok) setStatus(now.status);
    }
    return outcome;
  }, []);
  return { status, apply };
}
