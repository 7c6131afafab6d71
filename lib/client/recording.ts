"use client";
import { parseAnyRecording, type AnyParseResult } from "../comparison-recording";

/** Asks the server for a scenario's hops after `since` as a recording, and hands the file to the browser. */
export function saveRecording(scenarioId: string, since: number): Promise<string | null> {
  return download(`/api/scenarios/${encodeURIComponent(scenarioId)}/recording?since=${since}`, scenarioId);
}

/** The same for every side of a comparison, in one file. */
export function saveComparisonRecording(comparisonId: string, since: number): Promise<string | null> {
  return download(`/api/comparisons/${encodeURIComponent(comparisonId)}/recording?since=${since}`, comparisonId);
}

async function download(path: string, name: string): Promise<string | null> {
  try {
    const res = await fetch(path);
    if (!res.ok) return `The server refused the recording (${res.status})`;
    const fileName = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? `${name}.ndjson`;
    const url = URL.createObjectURL(await res.blob());
    const link = document.createElement("a");
    link.href = url;
    link.download = fileName;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    return null;
  } catch {
    return "Could not reach the Hopscope server";
  }
}

/**
 * Only the recordings this server ships: a deep link must not make the page show a file from
 * elsewhere as if it were a recorded run. Checked on the URL the browser would really fetch.
 */
export function localRecordingUrl(path: string): URL | null {
  try {
    const url = new URL(path, window.location.origin);
    return url.origin === window.location.origin && url.pathname.startsWith("/recordings/") && url.pathname.endsWith(".ndjson") ? url : null;
  } catch {
    return null;
  }
}

export async function loadRecording(path: string): Promise<AnyParseResult> {
  const url = localRecordingUrl(path);
  if (!url) return { ok: false, error: `recording: "${path}" is not a path on this server (e.g. /recordings/redis-pubsub.ndjson)` };
  try {
    const res = await fetch(url.href, { redirect: "error", credentials: "same-origin" });
    if (!res.ok) return { ok: false, error: `recording: ${path} answered ${res.status}` };
    return parseAnyRecording(await res.text());
  } catch {
    return { ok: false, error: `recording: could not fetch ${path}` };
  }
}

export async function readRecordingFile(file: File): Promise<AnyParseResult> {
  if (file.size > 64 * 1024 * 1024) return { ok: false, error: `${file.name}: larger than 64 MB` };
  const result = parseAnyRecording(await file.text());
  return result.ok ? result : { ok: false, error: `${file.name}: ${result.error}` };
}
