import { describe, expect, test } from "vitest";
import { hops } from "./fixtures";
import { RateMeter, rateKindOf, ratesOf } from "./rates";

const stream = hops(`
published p>q m1
published p>q m2
delivered q>w1 m1
delivered q>w2 m2@2
redelivered q>w2 m1
claimed q>w3 m3@3
acked w1>q m1
processed w2>q m2
dropped p>q m4
actor-killed w1>w1 worker
nacked w2>q m2
`);

describe("rates by kind", () => {
  test("counts each hop as the ledger would: a flagged or later delivery is a redelivery, a processed record an ack", () => {
    expect(stream.map(rateKindOf)).toEqual(["published", "published", "delivered", "redelivered", "redelivered", "redelivered", "acked", "acked", "dropped", null, null]);
  });

  test("messages per second over the window before now; older and later hops are left out", () => {
    const seen = stream.map((hop, i) => ({ hop, seenAt: i < 2 ? 500 : 4_000 }));
    expect(ratesOf(seen, 5_000, 5_000)).toEqual({ published: 0.4, delivered: 0.2, acked: 0.4, redelivered: 0.6, dropped: 0.2 });
    // 6 s on, the publishes seen at 0.5 s are out of the window.
    expect(ratesOf(seen, 6_000, 5_000).published).toBe(0);
    expect(ratesOf(seen, 3_000, 5_000).acked).toBe(0);
  });

  test("the meter agrees with the pure count, a young run is not diluted, and an idle one falls to 0", () => {
    const meter = new RateMeter(5_000);
    meter.add(stream.slice(0, 2), 10_000);
    // Two publishes in the run's first half second: 2/s, not 2 over 5 s.
    expect(meter.rates(10_500).published).toBe(2);
    meter.add(stream.slice(2), 14_000);
    const seen = stream.map((hop, i) => ({ hop, seenAt: i < 2 ? 10_000 : 14_000 }));
    // The meter counts in quarter seconds: a bucket wholly out of the window is out of the count.
    expect(meter.rates(15_300)).toEqual(ratesOf(seen, 15_300, 5_000));
    expect(meter.idle(15_300)).toBe(false);
    expect(meter.rates(30_000)).toEqual({ published: 0, delivered: 0, acked: 0, redelivered: 0, dropped: 0 });
    expect(meter.idle(30_000)).toBe(true);
  });

  test("a flood costs counters, not hops: 100,000 hops in a second read as 100,000/s", () => {
    const meter = new RateMeter(1_000);
    const published = hops("published p>q m1");
    for (let ms = 0; ms < 1_000; ms++) meter.add(Array.from({ length: 100 }, () => published[0]!), 50_000 + ms);
    expect(meter.rates(51_000).published).toBeCloseTo(100_000, -3);
  });
});
