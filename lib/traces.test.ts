import { describe, expect, test } from "vitest";
import { hops } from "./fixtures";
import { assembleTraces, hopDeltas } from "./traces";
import { formatMs } from "./hops";

describe("traces", () => {
  test("groups hops by trace, in time order, with status and round trip", () => {
    const traces = assembleTraces(hops(`
      delivered subj>r1 m1 t=3
      published req>subj m1 t=1
      published req>subj m2 t=2
      replied r1>subj m1 t=7
      reply-received subj>req m1 t=8 rtt=7.25
      dropped subj>req m2 t=4 reason=no_responders
      actor-killed r1>r1 responder t=9
    `));
    expect([...traces.keys()]).toEqual(["m1", "m2"]);
    const m1 = traces.get("m1")!;
    expect(m1.hops.map((h) => h.kind)).toEqual(["published", "delivered", "replied", "reply-received"]);
    expect(m1).toMatchObject({ status: "completed", rttMs: 7.25, attempts: 1 });
    expect(traces.get("m2")).toMatchObject({ status: "dropped", reason: "no responders" });
  });

  test("counts attempts across retries", () => {
    const t = assembleTraces(hops(`
      published req>subj m1 t=0
      timeout req>req m1 t=10
      retry req>subj m1@2 t=11
    `)).get("m1")!;
    expect(t).toMatchObject({ attempts: 2, status: "in-flight" });
  });

  test("deltas are the time since the previous hop of the same message", () => {
    const list = hops(`
      published req>subj m1 t=0
      published req>subj m2 t=1
      delivered subj>r1 m1 t=2.5
      delivered subj>r1 m2 t=4
    `);
    const deltas = hopDeltas(list);
    expect(deltas.get(1)).toBeUndefined();
    expect(deltas.get(3)).toBeCloseTo(2.5);
    expect(deltas.get(4)).toBeCloseTo(3);
  });

  test("a routing observation does not reset the clock for the delivery after it", () => {
    const list = hops(`
      published p>x m1 t=0
      routed x>q m1 t=6.999
      delivered q>c m1 t=7
    `);
    const deltas = hopDeltas(list);
    expect(deltas.get(3)).toBeCloseTo(7);
  });

  test("a tap's commit, stamped when the tap next asked, is given no time; an actor's commit is", () => {
    const list = hops(`
      published p>topic m1 t=0
      committed reader>topic m1 t=300
      published p>topic m2 t=400
      committed reader>topic m2 t=420
    `).map((hop, i) => (i < 2 ? { ...hop, source: "tap" as const } : hop));
    const deltas = hopDeltas(list);
    expect(deltas.get(2)).toBeUndefined();
    expect(deltas.get(4)).toBeCloseTo(20);
  });

  test("latency prints with microsecond precision", () => {
    expect(formatMs(0.1234567)).toBe("0.123 ms");
    expect(formatMs(12)).toBe("12.000 ms");
  });
});

test("a trace completes on what its scenario says completes a message", () => {
  const list = hops(`
    published pub>ch m1
    confirmed ch>pub m1 rtt=0.4
    delivered ch>s1 m1
  `);
  expect(assembleTraces(list).get("m1")?.status).toBe("in-flight");
  expect(assembleTraces(list, ["confirmed"]).get("m1")).toMatchObject({ status: "completed", rttMs: 0.4 });
});

describe("a story's trace", () => {
  const story = {
    guarantee: "at-least-once" as const,
    legs: [
      { name: "payment", guarantee: "at-most-once" as const, destinations: ["pay"] },
      { name: "jobs", guarantee: "at-least-once" as const, destinations: ["inv", "ship"] },
    ],
    unit: { name: "order", completesWhenAll: ["inv", "ship"], endsOnDropIn: ["payment"] },
  };

  test("is completed when all its jobs are done, not when payment answers", () => {
    const log = hops(`
      published co>pay o1 dest=pay
      reply-received pay>co o1 dest=pay rtt=1.5
      published co>inv o1.inv trace=o1 dest=inv
      published co>ship o1.ship trace=o1 dest=ship
      acked w1>inv o1.inv trace=o1 dest=inv
    `);
    expect(assembleTraces(log, story).get("o1")?.status).toBe("in-flight");
    const done = assembleTraces([...log, ...hops("acked w2>ship o1.ship trace=o1 dest=ship t=99")], story).get("o1");
    expect(done).toMatchObject({ status: "completed", rttMs: 1.5 });
  });

  test("is dropped, with the reason, when payment declines", () => {
    const log = hops(`
      published co>pay o2 dest=pay
      reply-received pay>co o2 dest=pay
      dropped co>co o2 dest=pay reason=declined_by_payment
    `);
    expect(assembleTraces(log, story).get("o2")).toMatchObject({ status: "dropped", reason: "declined by payment" });
  });

  test("is compensated, with the reason, when its compensation completes", () => {
    const saga = { ...story, unit: { ...story.unit, compensatedOn: { ship: "payment failed: shipment cancelled" } } };
    const log = hops(`
      published co>pay o4 dest=pay
      reply-received pay>co o4 dest=pay
      published co>ship o4.ship trace=o4 dest=ship
    `);
    expect(assembleTraces(log, saga).get("o4")?.status).toBe("in-flight");
    const undone = assembleTraces([...log, ...hops("acked w2>ship o4.ship trace=o4 dest=ship t=99")], saga).get("o4");
    expect(undone).toMatchObject({ status: "compensated", reason: "payment failed: shipment cancelled" });
  });

  test("a lost job says why it was lost, where its hop said", () => {
    const paid = `
      published co>pay o3 dest=pay
      reply-received pay>co o3 dest=pay
      published co>inv o3.inv trace=o3 dest=inv
    `;
    const withReason = hops(`${paid}
dropped inv>co o3.inv trace=o3 dest=inv reason=queue_deleted`);
    expect(assembleTraces(withReason, story).get("o3")).toMatchObject({ status: "dropped", reason: "lost: queue deleted" });
    const without = hops(`${paid}
dropped inv>co o3.inv trace=o3 dest=inv`);
    expect(assembleTraces(without, story).get("o3")).toMatchObject({ status: "dropped", reason: "lost: a message of an at-least-once leg never arrived" });
  });
});
