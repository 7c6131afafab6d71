import { describe, expect, test } from "vitest";
import { epochMsOf, supportsMessageTracing, tracedMessageOf } from "./nats-trace";

/** As nats-server 2.15 sent it for a publish to a queue group of two, with a core subscriber beside. */
const event = {
  server: { name: "N", host: "127.0.0.1", id: "N", ver: "2.15.1", jetstream: true, seq: 12, time: "2026-12-08T03:04:35.858997091Z" },
  request: { header: { "Hopscope-Message-Id": ["m0"], "Nats-Trace-Dest": ["trace.x"] }, msgsize: 61 },
  events: [
    { type: "in", ts: "2026-12-08T03:04:35.858829216Z", kind: 0, cid: 8, name: "publisher-1", acc: "$G", subj: "orders.new" },
    { type: "eg", ts: "2026-12-08T03:04:35.858872306Z", kind: 0, cid: 6, name: "worker-a", sub: "orders.new", queue: "workers" },
    { type: "eg", ts: "2026-12-08T03:04:35.858880000Z", kind: 0, cid: 9, name: "hopscope-tap", sub: "orders.>" },
  ],
};

describe("NATS message tracing", () => {
  test("servers from 2.11 trace; older ones and unreadable versions do not", () => {
    expect(supportsMessageTracing("2.9.10")).toBe(false);
    expect(supportsMessageTracing("2.10.29")).toBe(false);
    expect(supportsMessageTracing("2.11.0-RC.1")).toBe(true);
    expect(supportsMessageTracing("2.15.1")).toBe(true);
    expect(supportsMessageTracing("3.0.0")).toBe(true);
    expect(supportsMessageTracing(undefined)).toBe(false);
    expect(supportsMessageTracing("dev")).toBe(false);
  });

  test("timestamps keep their sub-millisecond part", () => {
    expect(epochMsOf("2026-12-08T03:04:35.858829216Z")).toBeCloseTo(Date.UTC(2026, 11, 8, 3, 4, 35, 858) + 0.829216, 6);
    expect(epochMsOf("2026-12-08T03:04:35Z")).toBe(Date.UTC(2026, 11, 8, 3, 4, 35));
    expect(epochMsOf("2026-12-08T04:04:35.5+01:00")).toBe(Date.UTC(2026, 11, 8, 3, 4, 35, 500));
    expect(epochMsOf("yesterday")).toBeNull();
  });

  test("an event names the publisher and the queue-group member that got the message", () => {
    const traced = tracedMessageOf(event, new Set([9]));
    expect(traced).toMatchObject({ subject: "orders.new", from: "publisher-1", headers: { "Hopscope-Message-Id": "m0" } });
    expect(traced?.deliveries).toEqual([{ to: "worker-a", subscription: "orders.new", queue: "workers", at: expect.any(Number) }]);
    expect(traced!.deliveries[0]!.at).toBeGreaterThan(traced!.at);
  });

  test("the tracer's own subscription counts as a delivery only when it is not told to leave it out", () => {
    expect(tracedMessageOf(event)?.deliveries.map((d) => d.to)).toEqual(["worker-a", "hopscope-tap"]);
  });

  test("unnamed connections are named by their client id; failed deliveries and routes are left out", () => {
    const traced = tracedMessageOf({
      request: { header: null },
      events: [
        { type: "in", ts: "2026-12-08T03:04:35.1Z", kind: 0, cid: 3, subj: "a" },
        { type: "eg", ts: "2026-12-08T03:04:35.2Z", kind: 0, cid: 4, sub: "a" },
        { type: "eg", ts: "2026-12-08T03:04:35.2Z", kind: 0, cid: 5, sub: "a", error: "slow consumer" },
        { type: "eg", ts: "2026-12-08T03:04:35.2Z", kind: 1, cid: 6, name: "route" },
        { type: "sm", ts: "2026-12-08T03:04:35.2Z", to: "b" },
      ],
    });
    expect(traced).toMatchObject({ from: "connection 3", headers: {}, deliveries: [{ to: "connection 4", subscription: "a" }] });
  });

  test("what is not a client's traced publish is nothing", () => {
    expect(tracedMessageOf(null)).toBeNull();
    expect(tracedMessageOf({ request: {}, events: [] })).toBeNull();
    expect(tracedMessageOf({ request: {}, events: [{ type: "in", ts: "2026-12-08T03:04:35Z", kind: 1, cid: 1, subj: "a" }] })).toBeNull();
    expect(tracedMessageOf({ request: {}, events: [{ type: "in", ts: "soon", kind: 0, cid: 1, subj: "a" }] })).toBeNull();
  });
});
