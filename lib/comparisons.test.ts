import { describe, expect, test } from "vitest";
import { COMPARISONS, summarizeSide, type ComparisonSide } from "./comparisons";
import { hops } from "./fixtures";
import { ledgerOf } from "./ledger";

const SIDE: ComparisonSide = { scenarioId: "s", label: "Side", killRole: "worker", promise: "requeued at once" };

describe("a comparison side's row", () => {
  test("before any kill: the ledger's figures and nothing held", () => {
    const log = hops("published p>q m1\ndelivered q>w1 m1\nacked w1>q m1");
    expect(summarizeSide(SIDE, log, { ledger: ledgerOf(log, "at-least-once"), actors: [] })).toMatchObject({ victim: null, held: 0, recoveryMs: null, published: 1, completed: 1 });
  });

  test("what the victim held, what became of each, and when the last was back in a live consumer's hands", () => {
    const log = hops(`
      published p>q m1 t=0
      published p>q m2 t=1
      published p>q m3 t=2
      delivered q>w1 m1 t=3
      delivered q>w1 m2 t=4
      delivered q>w2 m3 t=5
      acked w1>q m1 t=6
      actor-killed w1>w1 worker t=10
      requeued w1>q m2 t=11
      redelivered q>w2 m2@2 t=40
      acked w2>q m2@2 t=50
      acked w2>q m3 t=51
    `);
    const row = summarizeSide(SIDE, log, { ledger: ledgerOf(log, "at-least-once"), actors: [] });
    expect(row).toMatchObject({ victim: "w1", held: 1, fates: { requeued: 1 }, waiting: 0, lost: 0, redelivered: 1 });
    expect(row.recoveryMs).toBeCloseTo(30, 6);
  });

  test("a held message nothing has happened to yet keeps the recovery open", () => {
    const log = hops(`
      published p>q m1 t=0
      delivered q>w1 m1 t=1
      actor-killed w1>w1 worker t=10
    `);
    expect(summarizeSide(SIDE, log, { ledger: ledgerOf(log, "at-least-once"), actors: [] })).toMatchObject({ held: 1, waiting: 1, recoveryMs: null });
  });

  test("at-most-once: the held message dropped counts as settled, at the drop", () => {
    const log = hops(`
      published p>q m1 t=0
      delivered q>w1 m1 t=1
      actor-killed w1>w1 worker t=10
      dropped w1>w1 m1 t=12 reason=in_flight_to_a_killed_worker
    `);
    const row = summarizeSide(SIDE, log, { ledger: ledgerOf(log, "at-most-once"), actors: [] });
    expect(row).toMatchObject({ held: 1, fates: { dropped: 1 }, dropped: 1 });
    expect(row.recoveryMs).toBeCloseTo(2, 6);
  });

  test("another group reading the same entry is not taking over the victim's work; a colleague's claim is", () => {
    const log = hops(`
      published p>stream m1 t=0
      delivered stream>w1 m1 t=1
      actor-killed w1>w1 worker t=10
      delivered stream>analytics-1 m1 t=20
      acked analytics-1>stream m1 t=25
      claimed stream>w2 m1@2 t=3010
    `);
    const actors = [
      { id: "w2", role: "worker", pid: 2, alive: true, connected: true },
      { id: "analytics-1", role: "analytics", pid: 3, alive: true, connected: true },
    ];
    const row = summarizeSide(SIDE, log, { ledger: ledgerOf(log, "at-least-once"), actors });
    expect(row.fates).toEqual({ claimed: 1 });
    expect(row.recoveryMs).toBeCloseTo(3000, 6);
  });

  test("a service down and back: what was sent meanwhile, missed where the broker said so, caught up where it kept it", () => {
    const SERVICE: ComparisonSide = { scenarioId: "s", label: "Side", killRole: "ride", promise: "" };
    const log = hops(`
      actor-killed ride-1>ride-1 ride t=10
      published app>ch m1 t=20
      confirmed ch>app m1 t=21 missed=1 reason=missed_by_1_ride_that_is_down_(expected)
      published app>ch m2 t=30
      confirmed ch>app m2 t=31
      actor-started ride-2>ride-2 ride t=100
      published app>ch m3 t=110
      delivered ch>ride-2 m2 t=120
      processed ride-2>ch m2 t=150
      delivered ch>ride-2 m3 t=160
    `);
    const actors = [{ id: "ride-2", role: "ride", pid: 2, alive: true, connected: true }];
    const row = summarizeSide(SERVICE, log, { ledger: ledgerOf(log, "at-most-once"), actors });
    expect(row).toMatchObject({ roleDown: true, whileDown: 2, missed: 1, caughtUp: 1 });
    expect(row.catchUpMs).toBeCloseTo(50, 6);
  });

  test("a colleague alive through the kill: the role was never down", () => {
    const log = hops(`
      actor-killed w1>w1 worker t=10
      published p>q m1 t=20
    `);
    const actors = [{ id: "w2", role: "worker", pid: 2, alive: true, connected: true }];
    expect(summarizeSide(SIDE, log, { ledger: ledgerOf(log, "at-least-once"), actors })).toMatchObject({ roleDown: false, whileDown: 0, missed: 0, caughtUp: 0 });
  });

  test("every comparison has two to four sides, each with a kill role", () => {
    for (const comparison of COMPARISONS) {
      expect(comparison.sides.length).toBeGreaterThanOrEqual(2);
      expect(comparison.sides.length).toBeLessThanOrEqual(4);
    }
  });
});
