/** Wall clock with sub-millisecond precision, comparable between processes on one host. */
export function hostNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * A message of `bytes` bytes whose first eight are the send time, so the receiver, in another
 * process, times the path on the same host clock. The rest is filler: only the size matters.
 */
export function stampedPayload(bytes: number, sentAt = hostNow()): Buffer {
  const payload = Buffer.alloc(Math.max(8, bytes), 0x2e);
  payload.writeDoubleBE(sentAt, 0);
  return payload;
}

/** The send time a payload carries, or null when it is too short to carry one. */
export function sentAtOf(payload: Uint8Array): number | null {
  if (payload.byteLength < 8) return null;
  const value = Buffer.from(payload.buffer, payload.byteOffset, 8).readDoubleBE(0);
  return Number.isFinite(value) ? value : null;
}
