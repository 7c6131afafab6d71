import { describe, expect, test } from "vitest";
import { hops } from "./fixtures";
import { LedgerTracker, ledgerOf, type LedgerRules } from "./ledger";
import type { Ledger } from "./protocol";

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

  test("a message that ends without completing says why: lost and dead-lettered, each by reason", () => {
    const l = ledgerOf(hops(`
      published p>q m1
      delivered q>w1 m1
      dropped q>w1 m1 reason=trimmed_away
      published p>q m2
      delivered q>w1 m2
      dead-lettered q>dlq m2 reason=max_deliveries
      published p>q m3
      dead-lettered q>dlq m3 reason=max_deliveries
      published p>q m4
      dropped q>p m4
    `), "at-least-once");
    expect(l).toMatchObject({ published: 4, lost: 2, deadLettered: 2, dropped: 0, inFlight: 0 });
    expect(l.lostReasons).toEqual({ "trimmed away": 1, unspecified: 1 });
    expect(l.deadLetterReasons).toEqual({ "max deliveries": 2 });
    expect(l.dropReasons).toEqual({});
  });

  test("a redelivery is counted even when the first delivery's hop died with its consumer", () => {
    // Killed before it could report what it was handed: the broker's next delivery says "again".
    const l = ledgerOf(hops(`
      published p>q m1
      redelivered q>w2 m1@2
      acked w2>q m1@2
      published p>q m2
      claimed q>w2 m2@2
      acked w2>q m2@2
    `), "at-least-once");
    expect(l).toMatchObject({ delivered: 2, redelivered: 2, completed: 2, duplicates: 0, inFlight: 0 });
  });

  test("a retry's first delivery is not a redelivery when the first attempt reached nobody", () => {
    const l = ledgerOf(hops(`
      published req>subj m1
      timeout req>req m1
      retry req>subj m1@2
      delivered subj>r1 m1@2
      replied r1>subj m1@2
      reply-received subj>req m1@2
    `), "at-most-once");
    expect(l).toMatchObject({ delivered: 1, redelivered: 0, completed: 1 });
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

  test("a message waiting behind more than the ledger's memory still counts when it completes", () => {
    const tracker = new LedgerTracker("at-least-once", 4);
    const others = Array.from({ length: 20 }, (_, i) => `published p>q m${i}\ndelivered q>w m${i}\nacked w>q m${i}`).join("\n");
    for (const hop of hops(`published p>q slow\n${others}\ndelivered q>w slow\nacked w>q slow`)) tracker.apply(hop);
    expect(tracker.snapshot()).toMatchObject({ published: 21, delivered: 21, completed: 21, inFlight: 0, lost: 0 });
  });

  test("settled messages are remembered for a window only, so memory stays flat", () => {
    const tracker = new LedgerTracker("at-least-once", 10);
    for (const hop of hops(Array.from({ length: 100 }, (_, i) => `published p>q m${i}\ndelivered q>w m${i}\nacked w>q m${i}`).join("\n"))) tracker.apply(hop);
    expect(tracker.snapshot()).toMatchObject({ published: 100, completed: 100, inFlight: 0 });
    expect(tracker.remembered).toBe(5);
  });

  test("a settled message's late duplicate within the window is still counted", () => {
    const tracker = new LedgerTracker("at-least-once", 10);
    for (const hop of hops(`published p>q m1\ndelivered q>w m1\nacked w>q m1\npublished p>q m2\nredelivered q>w m1\nacked w>q m1`)) tracker.apply(hop);
    expect(tracker.snapshot()).toMatchObject({ published: 2, delivered: 1, redelivered: 1, completed: 1, duplicates: 1, inFlight: 1 });
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

/**
 * Lines "kind from>to ref[@attempt] …" of one business action (trace `id`): `message` names
 * the message, destination and broker a ref stands for; lines whose ref it does not know (actor
 * hops such as "actor-killed w>w worker") pass as they are.
 */
function storyLines(id: string, spec: string, message: (ref: string) => { id: string; destination: string; broker: string } | undefined): string {
  return spec
    .trim()
    .split("\n")
    .map((line) => {
      const [kind, route, ref = "", ...rest] = line.trim().split(/\s+/);
      const [name = "", attempt] = ref.split("@");
      const known = message(name);
      if (!known) return line;
      return [kind, route, `${known.id}${attempt ? `@${attempt}` : ""}`, `trace=${id}`, `dest=${known.destination}`, `broker=${known.broker}`, ...rest].join(" ");
    })
    .join("\n");
}

describe("ledger for a story across brokers (place an order)", () => {
  const rules: LedgerRules = {
    guarantee: "at-least-once",
    legs: [
      { name: "payment", guarantee: "at-most-once", destinations: ["payments.authorize"] },
      { name: "jobs", guarantee: "at-least-once", destinations: ["inventory", "emails", "shipping"] },
      { name: "broadcast", guarantee: "at-most-once", destinations: ["order-events"], completesOn: ["confirmed"] },
    ],
    unit: { name: "order", completesWhenAll: ["payments.authorize", "inventory", "emails", "shipping"], endsOnDropIn: ["payment"] },
  };
  const LEGS: Record<string, [destination: string, broker: string]> = {
    pay: ["payments.authorize", "nats"],
    inv: ["inventory", "rabbitmq"],
    mail: ["emails", "rabbitmq"],
    ship: ["shipping", "rabbitmq"],
    evt: ["order-events", "redis"],
  };
  /** One order's lines, where a ref is a leg: pay, inv, mail, ship or evt. */
  const order = (id: string, spec: string): string =>
    storyLines(id, spec, (leg) => {
      const known = LEGS[leg];
      return known ? { id: `${id}.${leg}`, destination: known[0], broker: known[1] } : undefined;
    });
  const paid = `
    published checkout>nats pay
    delivered nats>payment-1 pay
    replied payment-1>nats pay
    reply-received nats>checkout pay rtt=2
  `;
  const jobs = `
    published checkout>rabbitmq inv
    published checkout>rabbitmq mail
    published checkout>rabbitmq ship
    delivered rabbitmq>inventory-1 inv
    delivered rabbitmq>emails-1 mail
    delivered rabbitmq>shipping-1 ship
    acked inventory-1>rabbitmq inv
    acked emails-1>rabbitmq mail
    acked shipping-1>rabbitmq ship
  `;
  const broadcast = `
    published checkout>redis evt
    confirmed redis>checkout evt
    delivered redis>listener-1 evt
  `;
  const legOf = (ledger: Ledger, name: string) => ledger.legs?.find((leg) => leg.name === name)?.ledger;

  test("a placed order counts once, and each leg counts its own messages", () => {
    const l = ledgerOf(hops(order("o1", paid + jobs + broadcast)), rules);
    expect(l).toMatchObject({ unit: "order", published: 1, completed: 1, dropped: 0, lost: 0, deadLettered: 0, inFlight: 0, delivered: 5, redelivered: 0, duplicates: 0 });
    expect(l.legs?.map((leg) => [leg.name, leg.guarantee])).toEqual([["payment", "at-most-once"], ["jobs", "at-least-once"], ["broadcast", "at-most-once"]]);
    expect(legOf(l, "payment")).toMatchObject({ published: 1, delivered: 1, completed: 1, inFlight: 0 });
    expect(legOf(l, "jobs")).toMatchObject({ published: 3, delivered: 3, completed: 3, inFlight: 0 });
    expect(legOf(l, "broadcast")).toMatchObject({ published: 1, delivered: 1, completed: 1, inFlight: 0 });
  });

  test("an order is in flight until every job is done", () => {
    const l = ledgerOf(hops(order("o1", paid + jobs.replace(/\s*acked shipping-1.*$/m, ""))), rules);
    expect(l).toMatchObject({ published: 1, completed: 0, inFlight: 1 });
    expect(legOf(l, "jobs")).toMatchObject({ completed: 2, inFlight: 1 });
  });

  test("a declined order is dropped with the payment's reason, while the payment itself completed", () => {
    const l = ledgerOf(hops(order("o2", `${paid}\n dropped checkout>nats pay reason=declined_by_payment`)), rules);
    expect(l).toMatchObject({ published: 1, completed: 0, dropped: 1, lost: 0, inFlight: 0 });
    expect(l.dropReasons).toEqual({ "declined by payment": 1 });
    expect(legOf(l, "payment")).toMatchObject({ published: 1, completed: 1, dropped: 0, dropReasons: {} });
  });

  test("an order whose payment timed out after its retries is dropped, and so is its payment message", () => {
    const l = ledgerOf(hops(order("o3", `
      published checkout>nats pay
      timeout checkout>checkout pay
      retry checkout>nats pay@2
      timeout checkout>checkout pay@2
      dropped checkout>checkout pay@2 reason=timed_out_after_retries
    `)), rules);
    expect(l).toMatchObject({ published: 1, completed: 0, dropped: 1, inFlight: 0, dropReasons: { "timed out after retries": 1 } });
    expect(legOf(l, "payment")).toMatchObject({ published: 1, dropped: 1, lost: 0, dropReasons: { "timed out after retries": 1 } });
  });

  test("a job redelivered after a kill is counted in the jobs leg, and the order still completes once", () => {
    const l = ledgerOf(hops(order("o4", `${paid}\n${jobs}`.replace(
      /acked emails-1>rabbitmq mail/,
      `actor-killed emails-1>emails-1 worker
       redelivered rabbitmq>emails-2 mail
       acked emails-2>rabbitmq mail`,
    ))), rules);
    expect(legOf(l, "jobs")).toMatchObject({ published: 3, delivered: 3, redelivered: 1, completed: 3, inFlight: 0 });
    expect(l).toMatchObject({ published: 1, completed: 1, redelivered: 1, inFlight: 0 });
  });

  test("a job acked twice is a duplicate in the jobs leg, not a second order", () => {
    const l = ledgerOf(hops(order("o4", `${paid}\n${jobs}\nredelivered rabbitmq>emails-2 mail\nacked emails-2>rabbitmq mail`)), rules);
    expect(l).toMatchObject({ published: 1, completed: 1, duplicates: 1, redelivered: 1 });
  });

  test("a broadcast nobody heard counts as dropped in its at-most-once leg; the order is unaffected", () => {
    const l = ledgerOf(hops(order("o5", `${paid}\n${jobs}\npublished checkout>redis evt\ndropped redis>checkout evt reason=no_subscribers`)), rules);
    expect(legOf(l, "broadcast")).toMatchObject({ published: 1, dropped: 1, dropReasons: { "no subscribers": 1 } });
    expect(l).toMatchObject({ published: 1, completed: 1, dropped: 0, dropReasons: {}, inFlight: 0 });
  });

  test("a dead-lettered job ends the order as dead-lettered; the first ending wins", () => {
    const l = ledgerOf(hops(order("o6", `${paid}\n${jobs.replace("acked emails-1>rabbitmq mail", "dead-lettered rabbitmq>rabbitmq mail reason=failed_3_times")}\nacked emails-2>rabbitmq mail`)), rules);
    expect(l).toMatchObject({ published: 1, completed: 0, deadLettered: 1, lost: 0, inFlight: 0 });
    expect(legOf(l, "jobs")).toMatchObject({ completed: 2, deadLettered: 1 });
  });

  test("a job dropped under at-least-once is a lost order", () => {
    const l = ledgerOf(hops(order("o7", `${paid}\n${jobs.replace("acked emails-1>rabbitmq mail", "dropped rabbitmq>checkout mail")}`)), rules);
    expect(l).toMatchObject({ published: 1, completed: 0, lost: 1, inFlight: 0 });
    expect(legOf(l, "jobs")).toMatchObject({ lost: 1 });
  });

  test("a lost or dead-lettered order says why, as its job's hop did", () => {
    const lost = ledgerOf(hops(order("o9", `${paid}
${jobs.replace("acked emails-1>rabbitmq mail", "dropped rabbitmq>checkout mail reason=queue_deleted")}`)), rules);
    expect(lost).toMatchObject({ lost: 1, lostReasons: { "queue deleted": 1 }, dropReasons: {} });
    expect(legOf(lost, "jobs")).toMatchObject({ lost: 1, lostReasons: { "queue deleted": 1 } });
    const parked = ledgerOf(hops(order("o10", `${paid}
${jobs.replace("acked emails-1>rabbitmq mail", "dead-lettered rabbitmq>rabbitmq mail reason=failed_3_times")}`)), rules);
    expect(parked).toMatchObject({ deadLettered: 1, deadLetterReasons: { "failed 3 times": 1 } });
  });

  test("counts do not depend on arrival order: acks seen before any publication complete the order once", () => {
    const inOrder = hops(order("o8", paid + jobs + broadcast));
    expect(ledgerOf([...inOrder].reverse(), rules)).toEqual(ledgerOf(inOrder, rules));
    const tracker = new LedgerTracker(rules);
    const early = inOrder.filter((hop) => hop.kind === "acked" || hop.kind === "reply-received");
    for (const hop of early) tracker.apply(hop);
    // The order ended before it was seen to start: nothing counts yet, and nothing is in flight.
    expect(tracker.snapshot()).toMatchObject({ published: 0, completed: 0, inFlight: 0 });
    for (const hop of inOrder.filter((hop) => !early.includes(hop))) tracker.apply(hop);
    expect(tracker.snapshot()).toMatchObject({ published: 1, completed: 1, inFlight: 0 });
    expect(legOf(tracker.snapshot(), "jobs")).toMatchObject({ published: 3, completed: 3, inFlight: 0 });
  });

  test("several orders are told apart by their trace", () => {
    const l = ledgerOf(hops([order("a", paid + jobs), order("b", paid), order("c", `${paid}\ndropped checkout>nats pay reason=declined_by_payment`)].join("\n")), rules);
    expect(l).toMatchObject({ published: 3, completed: 1, dropped: 1, inFlight: 1 });
    expect(legOf(l, "payment")).toMatchObject({ published: 3, completed: 3 });
  });

  test("after a reset, a late hop of an order begun before it never counts, even a fresh publication", () => {
    const tracker = new LedgerTracker(rules);
    for (const hop of hops(order("old", paid))) tracker.apply(hop);
    tracker.reset();
    expect(tracker.snapshot()).toMatchObject({ published: 0, completed: 0, inFlight: 0 });
    expect(tracker.remembered).toBe(0);
    for (const hop of hops([order("old", jobs), order("new", paid)].join("\n"))) tracker.apply(hop);
    const l = tracker.snapshot();
    expect(l).toMatchObject({ published: 1, completed: 0, inFlight: 1 });
    // Nor in its legs: the old order's jobs are not the fresh ledger's.
    expect(legOf(l, "jobs")).toMatchObject({ published: 0, completed: 0, lost: 0, inFlight: 0 });
    expect(legOf(l, "payment")).toMatchObject({ published: 1, completed: 1 });
  });

  test("memory is bounded for orders and for each leg", () => {
    const tracker = new LedgerTracker(rules, 10);
    for (const hop of hops(Array.from({ length: 50 }, (_, i) => order(`o${i}`, paid + jobs)).join("\n"))) tracker.apply(hop);
    expect(tracker.snapshot()).toMatchObject({ published: 50, completed: 50, inFlight: 0 });
    // Three legs and the orders, each at most 10.
    expect(tracker.remembered).toBeLessThanOrEqual(40);
  });

  test("legs without a unit: the top line still counts messages, and every leg is listed", () => {
    const { unit: _unit, ...legsOnly } = rules;
    const l = ledgerOf(hops(order("o1", paid)), legsOnly);
    expect(l).toMatchObject({ published: 1, delivered: 1, completed: 1 });
    expect(l.unit).toBeUndefined();
    expect(l.legs?.map((leg) => [leg.name, leg.ledger.published])).toEqual([["payment", 1], ["jobs", 0], ["broadcast", 0]]);
  });

  test("without legs or a unit the ledger has neither", () => {
    const l = ledgerOf(hops(order("o1", paid)), "at-most-once");
    expect(l).not.toHaveProperty("legs");
    expect(l).not.toHaveProperty("unit");
  });
});

describe("ledger for a story whose steps depend on the action (closesOn)", () => {
  // A post: a spam check, an image job only when it has images, then the feed broadcast, last.
  const rules: LedgerRules = {
    guarantee: "at-least-once",
    legs: [
      { name: "spam check", guarantee: "at-most-once", destinations: ["spam.check"] },
      { name: "jobs", guarantee: "at-least-once", destinations: ["images"] },
      { name: "broadcast", guarantee: "at-most-once", destinations: ["feed-updates"], completesOn: ["confirmed"] },
    ],
    unit: { name: "post", completesWhenAll: ["images"], endsOnDropIn: ["spam check"], closesOn: "feed-updates" },
  };
  const check = (id: string) => `
    published web>nats ${id} trace=${id} dest=spam.check
    reply-received nats>web ${id} trace=${id} dest=spam.check rtt=1
  `;
  const image = (id: string, n: number) => `published web>rabbitmq ${id}/img${n} trace=${id} dest=images broker=rabbitmq`;
  const imageDone = (id: string, n: number) => `acked worker>rabbitmq ${id}/img${n} trace=${id} dest=images broker=rabbitmq`;
  const feed = (id: string, heard: boolean) =>
    heard ? `published web>redis ${id}/feed trace=${id} dest=feed-updates broker=redis\nconfirmed redis>web ${id}/feed trace=${id} dest=feed-updates broker=redis` : `published web>redis ${id}/feed trace=${id} dest=feed-updates broker=redis\ndropped redis>web ${id}/feed trace=${id} dest=feed-updates broker=redis reason=nobody_listening`;

  test("without images, the post completes when its broadcast settles, heard or not", () => {
    expect(ledgerOf(hops(check("p1") + feed("p1", true)), rules)).toMatchObject({ published: 1, completed: 1, inFlight: 0 });
    expect(ledgerOf(hops(check("p2") + feed("p2", false)), rules)).toMatchObject({ published: 1, completed: 1, dropped: 0, inFlight: 0 });
  });

  test("with images, it waits for every image job it queued, even after the broadcast", () => {
    const queued = check("p1") + `${image("p1", 1)}\n${image("p1", 2)}\n${feed("p1", true)}\n${imageDone("p1", 1)}\n`;
    expect(ledgerOf(hops(queued), rules)).toMatchObject({ published: 1, completed: 0, inFlight: 1 });
    expect(ledgerOf(hops(`${queued}${imageDone("p1", 2)}`), rules)).toMatchObject({ published: 1, completed: 1, inFlight: 0 });
  });

  test("jobs done before the broadcast still wait for it: the plan is only known once it closes", () => {
    const done = check("p1") + `${image("p1", 1)}\n${imageDone("p1", 1)}\n`;
    expect(ledgerOf(hops(done), rules)).toMatchObject({ completed: 0, inFlight: 1 });
    expect(ledgerOf(hops(`${done}${feed("p1", false)}`), rules)).toMatchObject({ completed: 1, inFlight: 0 });
  });

  test("a flagged post ends at its check, as dropped", () => {
    const flagged = `
      published web>nats p1 trace=p1 dest=spam.check
      reply-received nats>web p1 trace=p1 dest=spam.check
      dropped web>web p1 trace=p1 dest=spam.check reason=flagged_as_spam
    `;
    expect(ledgerOf(hops(flagged), rules)).toMatchObject({ published: 1, completed: 0, dropped: 1, dropReasons: { "flagged as spam": 1 }, inFlight: 0 });
  });
});

describe("ledger for a saga: completed, or compensated when a step fails", () => {
  const rules: LedgerRules = {
    guarantee: "at-least-once",
    legs: [
      { name: "inventory", guarantee: "at-least-once", destinations: ["order.created", "order.cancel"] },
      { name: "payment", guarantee: "at-least-once", destinations: ["inventory.reserved"] },
      { name: "order", guarantee: "at-least-once", destinations: ["inventory.insufficient", "payment.succeeded", "payment.failed"] },
    ],
    unit: {
      name: "saga",
      completesWhenAll: ["payment.succeeded"],
      endsOnDropIn: [],
      compensatedOn: { "order.cancel": "payment failed: inventory released", "inventory.insufficient": "inventory insufficient: order rejected" },
    },
  };
  /** One saga's lines, where a ref is an event: it names the stream and, with the order, the message. */
  const saga = (id: string, spec: string): string => storyLines(id, spec, (event) => (event.includes(".") ? { id: `${id}/${event}`, destination: event, broker: "redis" } : undefined));
  const reserved = `
    published order>s order.created
    delivered s>inventory-1 order.created
    published inventory-1>s inventory.reserved
    acked inventory-1>s order.created
    delivered s>payment-1 inventory.reserved
  `;
  const paid = `${reserved}
    published payment-1>s payment.succeeded
    acked payment-1>s inventory.reserved
    delivered s>order payment.succeeded
    acked order>s payment.succeeded
  `;
  const declined = `${reserved}
    published payment-1>s payment.failed
    acked payment-1>s inventory.reserved
    delivered s>order payment.failed
    published order>s order.cancel
    acked order>s payment.failed
    delivered s>inventory-2 order.cancel
  `;
  const released = `${declined}
    acked inventory-2>s order.cancel
  `;
  const legOf = (ledger: Ledger, name: string) => ledger.legs?.find((leg) => leg.name === name)?.ledger;

  test("a saga whose payment succeeds completes once, and none is compensated", () => {
    const l = ledgerOf(hops(saga("o1", paid)), rules);
    expect(l).toMatchObject({ unit: "saga", published: 1, completed: 1, compensated: 0, compensatedReasons: {}, lost: 0, inFlight: 0 });
    expect(legOf(l, "inventory")).toMatchObject({ published: 1, completed: 1 });
    expect(legOf(l, "order")).toMatchObject({ published: 1, completed: 1 });
  });

  test("a failed payment is compensated only once inventory has released what it reserved", () => {
    expect(ledgerOf(hops(saga("o2", declined)), rules)).toMatchObject({ published: 1, completed: 0, compensated: 0, inFlight: 1 });
    const l = ledgerOf(hops(saga("o2", released)), rules);
    expect(l).toMatchObject({ published: 1, completed: 0, compensated: 1, lost: 0, dropped: 0, inFlight: 0 });
    expect(l.compensatedReasons).toEqual({ "payment failed: inventory released": 1 });
    // Its events are messages like any other: the compensation's own is counted in its leg.
    expect(legOf(l, "inventory")).toMatchObject({ published: 2, completed: 2, inFlight: 0 });
  });

  test("insufficient inventory ends the saga compensated with its own reason: nothing was reserved", () => {
    const l = ledgerOf(hops(saga("o3", `
      published order>s order.created
      delivered s>inventory-1 order.created
      published inventory-1>s inventory.insufficient
      acked inventory-1>s order.created
      delivered s>order inventory.insufficient
      acked order>s inventory.insufficient
    `)), rules);
    expect(l).toMatchObject({ published: 1, completed: 0, compensated: 1, inFlight: 0 });
    expect(l.compensatedReasons).toEqual({ "inventory insufficient: order rejected": 1 });
  });

  test("a saga whose event was lost is stuck as lost, and a late release does not turn it compensated", () => {
    const l = ledgerOf(hops(saga("o4", `${declined}
      dropped s>inventory-2 order.cancel reason=trimmed_while_pending
      acked inventory-3>s order.cancel
    `)), rules);
    expect(l).toMatchObject({ published: 1, compensated: 0, lost: 1, lostReasons: { "trimmed while pending": 1 }, inFlight: 0 });
  });

  test("an event claimed from a killed member is a redelivery in its leg; the saga still ends once", () => {
    const l = ledgerOf(hops(saga("o5", released.replace("acked inventory-2>s order.cancel", "actor-killed inventory-2>inventory-2 inventory\nclaimed s>inventory-1 order.cancel@2\nacked inventory-1>s order.cancel@2"))), rules);
    expect(l).toMatchObject({ published: 1, compensated: 1, redelivered: 1, duplicates: 0, inFlight: 0 });
    expect(legOf(l, "inventory")).toMatchObject({ redelivered: 1, completed: 2 });
  });

  test("counts do not depend on arrival order, and several sagas are told apart", () => {
    const all = hops([saga("a", paid), saga("b", released), saga("c", declined)].join("\n"));
    const l = ledgerOf(all, rules);
    expect(l).toMatchObject({ published: 3, completed: 1, compensated: 1, inFlight: 1 });
    expect(ledgerOf([...all].reverse(), rules)).toEqual(l);
  });

  test("a reset starts the compensated count afresh", () => {
    const tracker = new LedgerTracker(rules);
    for (const hop of hops(saga("old", released))) tracker.apply(hop);
    expect(tracker.snapshot()).toMatchObject({ compensated: 1 });
    tracker.reset();
    expect(tracker.snapshot()).toMatchObject({ published: 0, compensated: 0, compensatedReasons: {} });
  });

  test("units that declare no compensation have no such count", () => {
    const { compensatedOn: _none, ...plain } = rules.unit!;
    const l = ledgerOf(hops(saga("o6", released)), { ...rules, unit: plain });
    expect(l).not.toHaveProperty("compensated");
    expect(l).not.toHaveProperty("compensatedReasons");
    expect(l).toMatchObject({ published: 1, completed: 0, inFlight: 1 });
  });

  test("a broadcast counts the copies subscribers that were down missed, and each subscriber's work as its own", () => {
    const log = hops(`
      published pub>ch m1
      delivered ch>a m1
      delivered ch>b m1
      processed a>ch m1
      processed b>ch m1
      confirmed ch>pub m1
      published pub>ch m2
      delivered ch>a m2
      confirmed ch>pub m2 missed=1
    `);
    expect(ledgerOf(log, { guarantee: "at-most-once", completesOn: ["confirmed"], broadcast: true })).toMatchObject({ published: 2, completed: 2, duplicates: 0, missed: 1, lost: 0, dropped: 0 });
    expect(ledgerOf(log, { guarantee: "at-most-once", completesOn: ["confirmed"] }).missed).toBeUndefined();
  });
});

describe("ledger for a story that starts with a gRPC call (an order through an API gateway)", () => {
  const rules: LedgerRules = {
    guarantee: "at-least-once",
    legs: [
      { name: "call", guarantee: "caller-informed", destinations: ["OrdersService/PlaceOrder"] },
      { name: "analytics", guarantee: "at-least-once", destinations: ["order-events", "analytics"], completesOn: ["processed"], exclusiveDelivery: true },
      { name: "email", guarantee: "at-least-once", destinations: ["emails"] },
    ],
    unit: { name: "order", completesWhenAll: ["OrdersService/PlaceOrder", "analytics", "emails"], endsOnDropIn: [] },
  };
  const LEGS: Record<string, [destination: string, broker: string, suffix: string]> = {
    call: ["OrdersService/PlaceOrder", "grpc", ""],
    evt: ["order-events", "kafka", "/order_placed"],
    read: ["analytics", "kafka", "/order_placed"],
    mail: ["emails", "rabbitmq", "/email"],
  };
  const legOf = (ledger: Ledger, name: string) => ledger.legs?.find((leg) => leg.name === name)?.ledger;
  const order = (id: string, spec: string): string =>
    storyLines(id, spec, (leg) => {
      const known = LEGS[leg];
      return known ? { id: `${id}${known[2]}`, destination: known[0], broker: known[1] } : undefined;
    });
  const accepted = `
    call-started gw>svc call side=client
    call-started svc>orders-1 call side=server
    published orders-1>topic evt
    confirmed topic>orders-1 evt
    published orders-1>queue mail
    confirmed queue>orders-1 mail
    status orders-1>svc call side=server code=OK
    status svc>gw call side=client code=OK rtt=3
  `;
  const worked = `
    delivered topic>analytics-1 read
    processed analytics-1>topic read
    delivered queue>email-1 mail
    acked email-1>queue mail
  `;

  test("an order completes once its call is OK, its event processed and its email sent", () => {
    const l = ledgerOf(hops(order("o1", accepted + worked)), rules);
    expect(l).toMatchObject({ unit: "order", published: 1, completed: 1, dropped: 0, lost: 0, inFlight: 0 });
    expect(legOf(l, "call")).toMatchObject({ published: 1, delivered: 1, completed: 1, inFlight: 0 });
    expect(legOf(l, "call")?.calls).toMatchObject({ started: 1, ok: 1 });
    expect(legOf(l, "analytics")).toMatchObject({ published: 1, delivered: 1, completed: 1, inFlight: 0 });
    expect(legOf(l, "email")).toMatchObject({ published: 1, completed: 1, inFlight: 0 });
  });

  test("an order whose call is OK is still in flight until its event and its email are done", () => {
    expect(ledgerOf(hops(order("o2", accepted)), rules)).toMatchObject({ published: 1, completed: 0, inFlight: 1 });
  });

  test("the call's start is the order's start: one counted while the server still works on it", () => {
    expect(ledgerOf(hops(order("o3", "call-started gw>svc call side=client")), rules)).toMatchObject({ published: 1, inFlight: 1 });
  });

  test("a call that fails ends the order as dropped, by the status its caller got", () => {
    const failed = `
      call-started gw>svc call side=client
      call-started svc>orders-1 call side=server
      actor-killed orders-1>orders-1 orders-service
      status orders-1>svc call side=server code=UNAVAILABLE
      status svc>gw call side=client code=UNAVAILABLE
    `;
    const l = ledgerOf(hops(order("o4", failed)), rules);
    expect(l).toMatchObject({ published: 1, completed: 0, dropped: 1, dropReasons: { UNAVAILABLE: 1 }, lost: 0, inFlight: 0 });
    expect(legOf(l, "call")?.calls).toMatchObject({ started: 1, ok: 0, failed: { UNAVAILABLE: 1 } });
  });

  test("a record read again by the partition's next owner is a redelivery and a duplicate, not a second order", () => {
    const reread = `
      delivered topic>analytics-1 read
      processed analytics-1>topic read
      actor-killed analytics-1>analytics-1 analytics
      delivered topic>analytics-2 read
      processed analytics-2>topic read
      delivered queue>email-1 mail
      acked email-1>queue mail
    `;
    const l = ledgerOf(hops(order("o5", accepted + reread)), rules);
    expect(l).toMatchObject({ published: 1, completed: 1, redelivered: 1, duplicates: 1, lost: 0 });
    expect(legOf(l, "analytics")).toMatchObject({ published: 1, redelivered: 1, duplicates: 1, completed: 1 });
  });
});
