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
