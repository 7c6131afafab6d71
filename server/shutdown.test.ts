import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createShutdown } from "./shutdown";

const DEADLINE_MS = 5_000;
const ECHO_MS = 500;

function setup(close: () => Promise<void>) {
  const exits: number[] = [];
  const said: string[] = [];
  const onSignal = createShutdown({ close, exit: (code) => exits.push(code), say: (m) => said.push(m), deadlineMs: DEADLINE_MS, echoWindowMs: ECHO_MS, now: () => Date.now() });
  return { onSignal, exits, said };
}

const never = () => new Promise<void>(() => undefined);

describe("shutdown on signals", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test("the first signal stops gracefully and exits 0 when done", async () => {
    const close = vi.fn(() => Promise.resolve());
    const { onSignal, exits } = setup(close);
    onSignal("SIGTERM");
    await vi.advanceTimersByTimeAsync(0);
    expect(close).toHaveBeenCalledOnce();
    expect(exits).toEqual([0]);
  });

  test("a second Ctrl-C exits at once with 130, without waiting for the stop", async () => {
    const { onSignal, exits, said } = setup(never);
    onSignal("SIGINT");
    await vi.advanceTimersByTimeAsync(ECHO_MS + 1);
    expect(exits).toEqual([]);
    onSignal("SIGINT");
    expect(exits).toEqual([130]);
    expect(said.at(-1)).toMatch(/again: exiting now/);
  });

  test("the same Ctrl-C echoed by a launcher (tsx watch, npm) is not a second one", async () => {
    const { onSignal, exits } = setup(never);
    onSignal("SIGINT");
    await vi.advanceTimersByTimeAsync(20);
    onSignal("SIGINT");
    await vi.advanceTimersByTimeAsync(ECHO_MS - 40);
    expect(exits).toEqual([]);
  });

  test("a stop that hangs ends at the deadline with exit 1", async () => {
    const close = vi.fn(never);
    const { onSignal, exits, said } = setup(close);
    onSignal("SIGHUP");
    await vi.advanceTimersByTimeAsync(DEADLINE_MS - 1);
    expect(exits).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(exits).toEqual([1]);
    expect(said.at(-1)).toBe(`Still stopping after ${DEADLINE_MS} ms: exiting now.`);
    expect(close).toHaveBeenCalledOnce();
  });

  test("a stop that fails exits 1 and says why", async () => {
    const { onSignal, exits, said } = setup(() => Promise.reject(new Error("kafka would not let go")));
    onSignal("SIGTERM");
    await vi.advanceTimersByTimeAsync(0);
    expect(exits).toEqual([1]);
    expect(said.at(-1)).toBe("Stopping failed: kafka would not let go");
  });
});
