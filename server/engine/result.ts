import type { ApiError, ErrorCode } from "../../lib/protocol";

export type Result<T> = { ok: true; result: T } | { ok: false; error: ApiError };

export function fail(code: ErrorCode, message: string): { ok: false; error: ApiError } {
  return { ok: false, error: { code, message } };
}

export function ok<T>(result: T): { ok: true; result: T } {
  return { ok: true, result };
}
