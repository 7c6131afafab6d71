import { describe, expect, test } from "vitest";
import { TokenBucket } from "./rate-limit";

function bucket(burst: number, perSecond: number) {
  let clock = 1_000;
  const tokens = new TokenBucket({ burst, perSecond }, () => clock);
  return { tokens, advance: (ms: number) => void (clock += ms) };
}

describe("token bucket", () => {
  test("a burst goes through at once, the next request is refused", () => {
    const { tokens } = bucket(3, 1);
    expect([tokens.take(), tokens.take(), tokens.take(), tokens.take()]).toEqual([true, true, true, false]);
  });

  test("tokens come back at the refill rate and say how long to wait", () => {
    const { tokens, advance } = bucket(2, 10);
    tokens.take();
    tokens.take();
    expect(tokens.waitMs()).toBe(100);
    advance(60);
    expect(tokens.take()).toBe(false);
    expect(tokens.waitMs()).toBe(40);
    advance(40);
    expect(tokens.take()).toBe(true);
    expect(tokens.take()).toBe(false);
  });

  test("an idle client saves up no more than its burst", () => {
    const { tokens, advance } = bucket(2, 10);
    advance(60_000);
    expect([tokens.take(), tokens.take(), tokens.take()]).toEqual([true, true, false]);
  });
});
