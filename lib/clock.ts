/**
 * Wall-clock epoch milliseconds with sub-millisecond precision. Every process on the host
 * derives it the same way, so hops from different processes order correctly.
 */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}
