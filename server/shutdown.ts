/**
 * What the server does on SIGINT, SIGTERM and SIGHUP, apart from the process so it can be tested
 * with fake timers: the first signal stops gracefully within a deadline; a second Ctrl-C exits at
 * once. Actors still alive when the process exits are SIGKILLed on the way out (actors/spawn.ts),
 * and ones left behind by a SIGKILL of the server notice and leave (actors/main.ts).
 */
import { constants } from "node:os";

export interface ShutdownOptions {
  /** The graceful stop: actors get SIGTERM and their grace, connections close. */
  close: () => Promise<void>;
  exit: (code: number) => void;
  say: (message: string) => void;
  deadlineMs: number;
  /** Repeats of a signal this soon after the first are the same keypress (see options.ts). */
  echoWindowMs: number;
  now?: () => number;
}

export type ShutdownSignal = "SIGINT" | "SIGTERM" | "SIGHUP";
export const SHUTDOWN_SIGNALS: readonly ShutdownSignal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

export function createShutdown(options: ShutdownOptions): (signal: ShutdownSignal) => void {
  const now = options.now ?? Date.now;
  let firstAt: number | null = null;
  return (signal) => {
    if (firstAt === null) {
      firstAt = now();
      options.say(`\n${signal}: stopping actors… (press Ctrl-C again to exit at once)`);
      // Unref'd: a stop that finishes in time must not wait for it.
      setTimeout(() => {
        options.say(`Still stopping after ${options.deadlineMs} ms: exiting now.`);
        options.exit(1);
      }, options.deadlineMs).unref();
      options.close().then(
        () => options.exit(0),
        (error: unknown) => {
          options.say(`Stopping failed: ${error instanceof Error ? error.message : String(error)}`);
          options.exit(1);
        },
      );
      return;
    }
    if (now() - firstAt < options.echoWindowMs) return;
    options.say(`${signal} again: exiting now.`);
    // As a shell reports a process ended by that signal (130 for Ctrl-C).
    options.exit(128 + constants.signals[signal]);
  };
}
