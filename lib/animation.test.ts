import { describe, expect, test } from "vitest";
import { AnimationQueue } from "./animation";

type Item = { key: string; n: number };
const pace = { gapMs: 100, travelMs: 500, maxLagMs: 5000, lookahead: 8, maxBacklog: 1000 };
const queue = () => new AnimationQueue<Item>((i) => i.key, pace);

describe("animation queue", () => {
  test("starts one flight per gap and reveals it as it starts", () => {
    const q = queue();
    q.push([{ key: "a", n: 1 }, { key: "b", n: 2 }], 0);
    expect(q.tick(0).revealed.map((i) => i.n)).toEqual([1]);
    expect(q.tick(50).revealed).toEqual([]);
    expect(q.tick(100).revealed.map((i) => i.n)).toEqual([2]);
    expect(q.flights()).toHaveLength(2);
    expect(q.tick(700).revealed).toEqual([]);
    expect(q.flights()).toHaveLength(0);
  });

  test("hops of one message wait for the previous one to land, others overtake", () => {
    const q = queue();
    q.push([{ key: "m1", n: 1 }, { key: "m1", n: 2 }, { key: "m2", n: 3 }], 0);
    expect(q.tick(0).revealed.map((i) => i.n)).toEqual([1]);
    expect(q.tick(100).revealed.map((i) => i.n)).toEqual([3]);
    expect(q.tick(200).revealed).toEqual([]);
    expect(q.tick(500).revealed.map((i) => i.n)).toEqual([2]);
  });

  test("slow motion stretches the gaps", () => {
    const q = queue();
    q.setSpeed(0.5);
    q.push([{ key: "a", n: 1 }, { key: "b", n: 2 }], 0);
    q.tick(0);
    expect(q.tick(150).revealed).toEqual([]);
    expect(q.tick(200).revealed.map((i) => i.n)).toEqual([2]);
  });

  test("too far behind, it reveals the backlog at once instead of freezing", () => {
    const q = queue();
    q.push(Array.from({ length: 100 }, (_, n) => ({ key: `m${n}`, n })), 0);
    q.tick(0);
    expect(q.lagMs(6000)).toBe(6000);
    const tick = q.tick(6000);
    expect(tick.skipped).toBe(99);
    expect(tick.revealed).toHaveLength(99);
    expect(q.backlog).toBe(0);
  });

  test("flush hands back everything queued", () => {
    const q = queue();
    q.push([{ key: "a", n: 1 }, { key: "a", n: 2 }], 0);
    q.tick(0);
    expect(q.flush().map((i) => i.n)).toEqual([2]);
    expect(q.flights()).toHaveLength(0);
  });
});

describe("human-speed controls", () => {
  test("paused, nothing takes off; a step sends exactly the oldest hop", () => {
    const q = queue();
    q.push([{ key: "a", n: 1 }, { key: "b", n: 2 }, { key: "c", n: 3 }], 0);
    q.setPaused(true);
    expect(q.tick(0).revealed).toEqual([]);
    expect(q.tick(10_000).revealed).toEqual([]);
    expect(q.step(10_000)?.n).toBe(1);
    expect(q.flights().map((f) => f.item.n)).toEqual([1]);
    expect(q.backlog).toBe(2);
    expect(q.step(10_001)?.n).toBe(2);
    q.setPaused(false);
    expect(q.tick(20_000).revealed.map((i) => i.n)).toEqual([3]);
    expect(q.step(20_001)).toBeNull();
  });

  test("slowed down, the queue does not skip ahead by itself however far behind it is", () => {
    const q = queue();
    q.setSpeed(0.1);
    q.push(Array.from({ length: 20 }, (_, n) => ({ key: `m${n}`, n })), 0);
    const tick = q.tick(60_000);
    expect(tick.skipped).toBe(0);
    expect(tick.revealed).toHaveLength(1);
    expect(q.lagMs(60_000)).toBe(60_000);
  });
});

test("paused, the queue keeps at most maxBacklog hops: older ones are shown without animation", () => {
  const q = new AnimationQueue<Item>((i) => i.key, { ...pace, maxBacklog: 50 });
  q.setPaused(true);
  q.push(Array.from({ length: 70 }, (_, n) => ({ key: `m${n}`, n })), 0);
  const tick = q.tick(1);
  expect(tick.skipped).toBe(20);
  expect(tick.revealed.map((i) => i.n)).toEqual(Array.from({ length: 20 }, (_, n) => n));
  expect(q.backlog).toBe(50);
  expect(q.step(2)?.n).toBe(20);
});
