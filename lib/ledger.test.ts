import { describe, expect, test } from "vitest";
import { hops } from "./fixtures";
import { LedgerTracker, ledgerOf } from "./ledger";

describe("ledger", () => {
  test("a round trip completes once", () => {
    const l = ledgerOf(hops(`
      published req>subj m1
      delivered subj>r1 m1
      replied r1>subj m1
      reply-received subj>req m1 rtt=0.5
    `), "at-most-once");
    expect(l).toMatchObject({ published: 1, delivered: 1, redelivered: 0, completed: 1, duplicates: 0, inFlight: 0, dropped: 0, lost: 0 });
  });

  test("a retry delivered again counts as a redelivery, a second reply as a duplicate", () => {
    const l = ledgerOf(hops(`
      published req>subj m1
      delivered subj>r1 m1
      timeout req>req m1
      retry req>subj m1@2
      delivered subj>r2 m1@2
      replied r1>subj m1
      replied r2>subj m1@2
      reply-received subj>req m1@2
    `), "at-most-once");
    expect(l).toMatchObject({ published: 1, delivered: 1, redelivered: 1, duplicates: 1, completed: 1, inFlight: 0 });
  });

  test("fan-out copies are not redeliveries, and a reply plus an ack are not a duplicate", () => {
    const list = hops(`
      published p>x m1
      delivered q1>c m1
      delivered q2>c m1
      replied r>reply m1
      acked r>q1 m1
    `);
    // The fixture names one destination; give each hop its own, as the wire would.
    const destinations = ["x", "audit", "analytics", "reply-to", "audit"];
    list.forEach((hop, i) => {
      if ("message" in hop) hop.message.destination = destinations[i]!;
    });
    expect(ledgerOf(list, "at-least-once")).toMatchObject({ delivered: 1, redelivered: 0, duplicates: 0, completed: 1 });
  });

  test("broadcast copies to several subscribers are not redeliveries; a later attempt is", () => {
    const list = hops(`
      published p>ch m1
      delivered ch>s1 m1
      delivered ch>s2 m1
      published p>ch m2
      delivered ch>r1 m2
      delivered ch>r2 m2@2
    `);
    expect(ledgerOf(list, "at-most-once")).toMatchObject({ delivered: 2, redelivered: 1 });
  });

  test("a scenario can name what completes a message: RPC waits for the client's reply", () => {
    const list = hops(`
      published c>q m1
      delivered q>r m1
      acked r>q m1
    `);
    expect(ledgerOf(list, "at-least-once").completed).toBe(1);
    expect(ledgerOf(list, { guarantee: "at-least-once", completesOn: ["reply-received"] })).toMatchObject({ completed: 0, inFlight: 1 });
  });

  test("drops are expected under at-most-once and counted by reason", () => {
    const l = ledgerOf(hops(`
      published req>subj m1
      dropped subj>req m1 reason=no_responders
      published req>subj m2
      dropped req>req m2 reason=timed_out
      published req>subj m3
    `), "at-most-once");
    expect(l).toMatchObject({ published: 3, dropped: 2, lost: 0, inFlight: 1 });
    expect(l.dropReasons).toEqual({ "no responders": 1, "timed out": 1 });
  });

  test("under at-least-once a drop is a loss", () => {
    const l = ledgerOf(hops(`
      published p>q m1
      dropped q>p m1
    `), "at-least-once");
    expect(l).toMatchObject({ lost: 1, dropped: 0 });
  });

  test("counts do not depend on arrival order", () => {
    const inOrder = hops(`
      published req>subj m1
      delivered subj>r1 m1
      replied r1>subj m1
      reply-received subj>req m1
    `);
    const shuffled = [inOrder[1]!, inOrder[3]!, inOrder[0]!, inOrder[2]!];
    expect(ledgerOf(shuffled, "at-most-once")).toEqual(ledgerOf(inOrder, "at-most-once"));
  });

  test("a terminal hop settles a message once", () => {
    const l = ledgerOf(hops(`
      published req>subj m1
      reply-received subj>req m1
      dropped subj>req m1
    `), "at-most-once");
    expect(l).toMatchObject({ completed: 1, dropped: 0 });
  });

  test("after a reset, messages already moving are not counted", () => {
    const tracker = new LedgerTracker("at-most-once");
    const [published, delivered, replied, received, fresh] = hops(`
      published req>subj m1
      delivered subj>r1 m1
      replied r1>subj m1
      reply-received subj>req m1
      published req>subj m2
    `);
    tracker.apply(published!);
    tracker.apply(delivered!);
    tracker.reset();
    tracker.apply(replied!);
    tracker.apply(received!);
    tracker.apply(fresh!);
    expect(tracker.snapshot()).toMatchObject({ published: 1, completed: 0, duplicates: 0, inFlight: 1 });
  });

  test("a settled message's late hops after a reset are ignored too", () => {
    const tracker = new LedgerTracker("at-most-once");
    const [published, received, lateReply] = hops(`
      published req>subj m1
      reply-received subj>req m1@2
      replied r1>subj m1
    `);
    tracker.apply(published!);
    tracker.apply(received!);
    tracker.reset();
    tracker.apply(lateReply!);
    expect(tracker.snapshot()).toMatchObject({ published: 0, duplicates: 0, completed: 0 });
    expect(tracker.remembered).toBe(0);
  });

  test("a message never seen published, e.g. claimed from an earlier session, does not count", () => {
    const l = ledgerOf(hops(`
      published p>s m1
      delivered s>c m1
      acked c>s m1
      claimed s>c old-1
      acked c>s old-1
    `), "at-least-once");
    expect(l).toMatchObject({ published: 1, delivered: 1, redelivered: 0, completed: 1, inFlight: 0 });
  });

  test("actor hops do not touch the ledger", () => {
    expect(ledgerOf(hops("actor-killed r1>r1 responder"), "at-most-once").published).toBe(0);
  });

  test("a message moving between generations is still one message", () => {
    const tracker = new LedgerTracker("at-most-once", 4);
    const list = hops(`
      published a>b m1
      published a>b m2
      delivered b>c m1
      published a>b m3
      reply-received b>a m1
    `);
    for (const hop of list) tracker.apply(hop);
    expect(tracker.snapshot()).toMatchObject({ published: 3, delivered: 1, completed: 1, inFlight: 2 });
  });

  test("memory is bounded", () => {
    const tracker = new LedgerTracker("at-most-once", 10);
    for (const hop of hops(Array.from({ length: 50 }, (_, i) => `published a>b m${i}`).join("\n"))) tracker.apply(hop);
    expect(tracker.snapshot().published).toBe(50);
    expect(tracker.remembered).toBeLessThanOrEqual(10);
  });
});

describe("ledger for a consumer group (Kafka)", () => {
  const rules = { guarantee: "at-least-once", completesOn: ["processed"], exclusiveDelivery: true, keyOrder: true } as const;

  test("a record read again by another consumer of the group is a redelivery, and processing it again a duplicate", () => {
    const list = hops(`
      published prod>p0 m1 dest=orders
      delivered p0>c1 m1 dest=group
      processed c1>p0 m1 dest=group
      actor-killed c1>c1 consumer
      rebalanced c2>c2 consumer
      delivered p0>c2 m1 dest=group
      processed c2>p0 m1 dest=group
    `);
    const tracker = new LedgerTracker(rules);
    const verdicts = list.map((hop) => tracker.apply(hop));
    expect(verdicts[5]).toEqual({ redelivery: true, outOfOrder: null });
    expect(tracker.snapshot()).toMatchObject({ published: 1, delivered: 1, redelivered: 1, completed: 1, duplicates: 1, lost: 0, inFlight: 0 });
  });

  test("another group reading the same record is neither a redelivery nor a duplicate", () => {
    const l = ledgerOf(hops(`
      published prod>p0 m1 dest=orders
      delivered p0>c1 m1 dest=group
      processed c1>p0 m1 dest=group
      delivered p0>replay-1 m1 dest=replay
      processed replay-1>p0 m1 dest=replay
    `), rules);
    expect(l).toMatchObject({ delivered: 1, redelivered: 0, duplicates: 0, completed: 1 });
  });

  test("a key's first deliveries must follow the producer's numbering; redeliveries are exempt", () => {
    const list = hops(`
      published prod>p0 m1 dest=orders key=k kseq=1
      published prod>p0 m2 dest=orders key=k kseq=2
      published prod>p0 m3 dest=orders key=k kseq=3
      delivered p0>c1 m1 dest=g key=k kseq=1
      delivered p0>c1 m2 dest=g key=k kseq=2
      delivered p0>c2 m1 dest=g key=k kseq=1
      delivered p0>c2 m3 dest=g key=k kseq=3
      delivered p0>r m3 dest=replay key=k kseq=3
      delivered p0>r m1 dest=replay key=k kseq=1
    `);
    const tracker = new LedgerTracker(rules);
    const verdicts = list.map((hop) => tracker.apply(hop));
    expect(verdicts.slice(0, 8).every((v) => v.outOfOrder === null)).toBe(true);
    expect(verdicts[8]?.outOfOrder).toBe("out of order: key k #1 after #3");
    expect(tracker.snapshot().outOfOrder).toBe(1);
  });

  test("without exclusive delivery, the same record to two consumers is two copies", () => {
    const l = ledgerOf(hops(`
      published prod>p0 m1
      delivered p0>c1 m1
      delivered p0>c2 m1
    `), "at-least-once");
    expect(l.redelivered).toBe(0);
  });
});
