import { describe, expect, test } from "vitest";
import { hostNow, sentAtOf, stampedPayload } from "./payload";
import { pump } from "./pump";
import type { Sender } from "./transport";

describe("payload", () => {
  test("carries its send time in its first bytes, at the size asked", () => {
    const payload = stampedPayload(256, 1234.5);
    expect(payload.length).toBe(256);
    expect(sentAtOf(payload)).toBe(1234.5);
    expect(sentAtOf(new Uint8Array(payload.buffer, payload.byteOffset, 8))).toBe(1234.5);
    expect(sentAtOf(new Uint8Array(4))).toBeNull();
  });
});

describe("pump", () => {
  test("paced: about rate × seconds messages, each timed from send to confirm", async () => {
    const confirmed: number[] = [];
    const sender: Sender = { send: () => new Promise((r) => setTimeout(r, 2)), close: async () => undefined };
    const outcome = await pump(sender, { until: hostNow() + 300, rate: 100, window: 64, payloadBytes: 32, onConfirmed: (ms) => confirmed.push(ms) });
    expect(outcome.error).toBeNull();
    expect(outcome.sent).toBeGreaterThanOrEqual(20);
    expect(outcome.sent).toBeLessThanOrEqual(32);
    expect(confirmed).toHaveLength(outcome.sent);
    expect(Math.min(...confirmed)).toBeGreaterThanOrEqual(1);
  });

  test("windowed: never more than the window unconfirmed, and all confirmed at the end", async () => {
    let inFlight = 0;
    let most = 0;
    const sender: Sender = {
      send: () => {
        most = Math.max(most, ++inFlight);
        return new Promise((r) =>
          setTimeout(() => {
            inFlight--;
            r();
          }, 1),
        );
      },
      close: async () => undefined,
    };
    const outcome = await pump(sender, { until: hostNow() + 100, window: 8, payloadBytes: 16 });
    expect(most).toBe(8);
    expect(inFlight).toBe(0);
    expect(outcome.confirmed).toBe(outcome.sent);
  });

  test("a client that confirms nothing is drained every window, and once more at the end", async () => {
    let buffered = 0;
    let most = 0;
    let drains = 0;
    const sender: Sender = {
      send: () => {
        most = Math.max(most, ++buffered);
        return null;
      },
      drain: async () => {
        drains++;
        buffered = 0;
      },
      close: async () => undefined,
    };
    const outcome = await pump(sender, { until: hostNow() + 50, window: 100, payloadBytes: 16 });
    expect(most).toBeLessThanOrEqual(100);
    expect(buffered).toBe(0);
    expect(drains).toBeGreaterThanOrEqual(Math.floor(outcome.sent / 100));
  });

  test("a failed send stops the pump and is reported", async () => {
    const sender: Sender = { send: () => Promise.reject(new Error("nacked")), close: async () => undefined };
    const outcome = await pump(sender, { until: hostNow() + 5_000, window: 4, payloadBytes: 16 });
    expect(String(outcome.error)).toContain("nacked");
    expect(outcome.confirmed).toBe(0);
  });
});
