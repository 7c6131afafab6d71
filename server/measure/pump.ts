import { dueCount } from "../../lib/measure-figures";
import { hostNow, stampedPayload } from "./payload";
import type { Sender } from "./transport";

export interface PumpPlan {
  /** Host-clock time to stop sending at. */
  until: number;
  /** Messages a second; without it, as fast as the window lets. */
  rate?: number;
  /** Sends not yet confirmed (or, for a client that confirms nothing, published since the last drain). */
  window: number;
  payloadBytes: number;
  /** Each confirmed send's time from send to confirm: a round trip for request/reply. */
  onConfirmed?: (ms: number) => void;
  signal?: AbortSignal;
}

export interface PumpOutcome {
  sent: number;
  confirmed: number;
  error: unknown;
}

/**
 * Sends until `until`, paced or windowed, then waits for what is still in flight. It yields to
 * the event loop between bursts (setImmediate, not a microtask loop), so a client that writes
 * its socket on a later tick, and the receiver's IPC, are never starved.
 */
export function pump(sender: Sender, plan: PumpPlan): Promise<PumpOutcome> {
  const started = hostNow();
  let sent = 0;
  let confirmed = 0;
  let inFlight = 0;
  let unconfirmed = 0;
  let draining = false;
  let stopped = false;
  let error: unknown = null;
  let scheduled = false;

  return new Promise((resolve) => {
    const schedule = (delayMs = 0) => {
      if (scheduled) return;
      scheduled = true;
      if (delayMs > 0) setTimeout(tick, delayMs);
      else setImmediate(tick);
    };
    const settle = (pending: Promise<void>, onSettled: (ok: boolean) => void) =>
      pending.then(
        () => {
          onSettled(true);
          schedule();
        },
        (e: unknown) => {
          onSettled(false);
          error ??= e;
          schedule();
        },
      );
    const drain = () => {
      if (!sender.drain || draining) return;
      draining = true;
      unconfirmed = 0;
      void settle(sender.drain(), () => (draining = false));
    };
    function tick(): void {
      scheduled = false;
      const now = hostNow();
      if (!stopped && (now >= plan.until || error !== null || plan.signal?.aborted)) stopped = true;
      if (stopped) {
        if (unconfirmed > 0) drain();
        if (inFlight === 0 && !draining) resolve({ sent, confirmed, error });
        return;
      }
      const allowed = plan.rate ? dueCount(now - started, plan.rate) : Number.POSITIVE_INFINITY;
      while (sent < allowed && inFlight < plan.window && !draining) {
        const at = hostNow();
        const pending = sender.send(stampedPayload(plan.payloadBytes, at));
        sent++;
        if (pending) {
          inFlight++;
          void settle(pending, (ok) => {
            inFlight--;
            if (!ok) return;
            confirmed++;
            plan.onConfirmed?.(hostNow() - at);
          });
        } else if (++unconfirmed >= plan.window) drain();
      }
      if (plan.rate && sent >= allowed) schedule(Math.max(1, started + (sent * 1000) / plan.rate - hostNow()));
      else if (inFlight < plan.window && !draining) schedule();
      // Otherwise a confirm or the drain schedules the next burst.
    }
    tick();
  });
}
