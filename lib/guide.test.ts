import { describe, expect, test } from "vitest";
import { COMPARISONS } from "./comparisons";
import { CLAIMS, GUIDE_LEAVES, GUIDE_NODES, GUIDE_ROOT, SYSTEMS, TABLE_ROWS, formatMs, formatRate, verdict, walkGuide, type Claim, type GuideNode } from "./guide";
import { MEASURE_IDS, type MeasureResult } from "./measurements";

const comparisonIds = new Set(COMPARISONS.map((c) => c.id));

function result(figures: { p50?: number; p99?: number; rate?: number; error?: string }): MeasureResult {
  return {
    id: "nats-request-reply",
    label: "NATS request/reply",
    latency: figures.p50 === undefined ? null : { p50Ms: figures.p50, p99Ms: figures.p99 ?? figures.p50, samples: 1_500, path: "request → reply" },
    throughput: figures.rate === undefined ? null : { messagesPerSecond: figures.rate, messages: Math.round(figures.rate * 3), seconds: 3 },
    ...(figures.error ? { error: figures.error } : {}),
  };
}

const NATS: Claim = { metric: "latency", min: 1, max: 5, wording: "1–5 ms" };
const UNDER_1: Claim = { metric: "latency", min: null, max: 1, wording: "under 1 ms" };
const RABBIT_RATE: Claim = { metric: "throughput", min: 10_000, max: 50_000, wording: "10k–50k msg/s" };
const KAFKA: Claim = { metric: "throughput", min: 1_000_000, max: null, wording: "millions of msg/s", needsCluster: "a partitioned cluster" };

describe("the decision tree", () => {
  test("every answer leads to a node that exists, and every question offers a choice", () => {
    for (const node of GUIDE_NODES.values()) {
      if (node.kind !== "question") continue;
      expect(node.answers.length, node.id).toBeGreaterThanOrEqual(2);
      for (const answer of node.answers) expect(GUIDE_NODES.has(answer.next), `${node.id} → ${answer.next}`).toBe(true);
    }
  });

  test("every path from the root ends at a leaf, without cycles, and every node is on one", () => {
    const seen = new Set<string>();
    const visit = (id: string, path: readonly string[]) => {
      expect(path, `cycle through ${id}`).not.toContain(id);
      seen.add(id);
      const node = GUIDE_NODES.get(id) as GuideNode;
      if (node.kind === "leaf") return;
      for (const answer of node.answers) visit(answer.next, [...path, id]);
    };
    visit(GUIDE_ROOT, []);
    expect([...GUIDE_NODES.keys()].filter((id) => !seen.has(id))).toEqual([]);
  });

  test("each leaf's comparison exists and its links go to distinct places", () => {
    for (const leaf of GUIDE_LEAVES) {
      if (leaf.comparisonId) expect(comparisonIds.has(leaf.comparisonId), leaf.id).toBe(true);
      expect(leaf.seeAlso ?? [], leaf.id).not.toContain(leaf.scenarioId);
      expect(leaf.why.length, leaf.id).toBeGreaterThan(20);
    }
  });

  test("both seeds' first questions lead where they said: an answer now, then replay", () => {
    expect(walkGuide([0, 0]).node).toMatchObject({ kind: "leaf", scenarioId: "nats-request-reply" });
    expect(walkGuide([0, 1]).node).toMatchObject({ kind: "leaf", scenarioId: "grpc-inventory" });
    expect(walkGuide([1, 0]).node).toMatchObject({ kind: "leaf", recommendation: "Kafka" });
    expect(walkGuide([1, 1, 1, 0, 0]).node).toMatchObject({ kind: "leaf", scenarioId: "rabbitmq-exchanges" });
  });

  test("a walk names each question and answer taken, and stops where a stale path breaks", () => {
    const { steps, node } = walkGuide([1, 1, 0]);
    expect(steps.map((s) => s.question.id)).toEqual(["needs-answer", "needs-replay", "who-gets-it"]);
    expect(steps.map((s) => s.index)).toEqual([1, 1, 0]);
    expect(node.id).toBe("may-miss");
    expect(walkGuide([1, 9, 0]).node.id).toBe("needs-replay");
    expect(walkGuide([0, 0, 0, 0]).steps).toHaveLength(2);
  });
});

describe("the comparison table", () => {
  test("every row fills every column and links to a comparison that exists", () => {
    for (const row of TABLE_ROWS) {
      expect(Object.keys(row.cells).sort(), row.id).toEqual([...SYSTEMS].sort());
      expect(row.watch.length, row.id).toBeGreaterThan(0);
      for (const link of row.watch) if (link.kind === "comparison") expect(comparisonIds.has(link.id), `${row.id} → ${link.id}`).toBe(true);
    }
  });

  test("the properties both seeds compare are rows", () => {
    expect(TABLE_ROWS.map((r) => r.id)).toEqual(expect.arrayContaining(["pattern", "persistence", "replay", "ordering", "routing", "delivery", "fan-out", "consumer-groups"]));
  });
});

describe("the seeds' claims", () => {
  test("every measured broker has an entry, and every range is a range", () => {
    expect(Object.keys(CLAIMS).sort()).toEqual([...MEASURE_IDS].sort());
    for (const claim of Object.values(CLAIMS).flat()) {
      expect(claim.min !== null || claim.max !== null).toBe(true);
      if (claim.min !== null && claim.max !== null) expect(claim.min).toBeLessThan(claim.max);
    }
  });
});

describe("a verdict on a claim", () => {
  test("a latency far below the claimed range contradicts it, and says by how much", () => {
    expect(verdict(NATS, result({ p50: 0.2, p99: 0.6 }))).toEqual({ outcome: "better", text: "Measured 0.2 ms p50: well under the claimed 1–5 ms." });
  });

  test("just under the range is under, not well under", () => {
    expect(verdict(NATS, result({ p50: 0.8 })).text).toBe("Measured 0.8 ms p50: under the claimed 1–5 ms.");
  });

  test("inside the range agrees; a p99 beyond it is still told", () => {
    expect(verdict(NATS, result({ p50: 2, p99: 4 }))).toEqual({ outcome: "agrees", text: "Measured 2 ms p50: within the claimed 1–5 ms." });
    expect(verdict(NATS, result({ p50: 2, p99: 9 })).text).toBe("Measured 2 ms p50: within the claimed 1–5 ms, though its p99 of 9 ms is over it.");
    expect(verdict(UNDER_1, result({ p50: 0.3, p99: 2.5 }))).toEqual({ outcome: "agrees", text: "Measured 0.3 ms p50: under 1 ms, as claimed, though its p99 of 2.5 ms is over it." });
  });

  test("over the range contradicts the claim the other way", () => {
    expect(verdict(UNDER_1, result({ p50: 1.4 }))).toEqual({ outcome: "worse", text: "Measured 1.4 ms p50: over 1 ms, so not under 1 ms as claimed." });
    expect(verdict(NATS, result({ p50: 12, p99: 30 }))).toEqual({ outcome: "worse", text: "Measured 12 ms p50: well over the claimed 1–5 ms." });
  });

  test("throughput is judged by messages a second", () => {
    expect(verdict(RABBIT_RATE, result({ rate: 30_000 }))).toEqual({ outcome: "agrees", text: "Measured 30k msg/s: within the claimed 10k–50k msg/s." });
    expect(verdict(RABBIT_RATE, result({ rate: 4_000 }))).toEqual({ outcome: "worse", text: "Measured 4.0k msg/s: well under the claimed 10k–50k msg/s." });
    expect(verdict(RABBIT_RATE, result({ rate: 80_000 }))).toEqual({ outcome: "better", text: "Measured 80k msg/s: over the claimed 10k–50k msg/s." });
  });

  test("a cluster-sized claim is not judged by one machine, and the figure is still given", () => {
    const v = verdict(KAFKA, result({ rate: 48_000 }));
    expect(v.outcome).toBe("cannot-judge");
    expect(v.text).toMatch(/^Measured 48k msg\/s with one broker and one client on this machine\./);
    expect(v.text).toContain("millions");
    expect(verdict(KAFKA, result({ rate: 2_000_000 }))).toEqual({ outcome: "agrees", text: "Measured 2.0M msg/s: millions of msg/s, as claimed." });
  });

  test("a missing figure says why", () => {
    expect(verdict(NATS, result({ error: "NATS is down" }))).toEqual({ outcome: "no-figure", text: "No latency measured: NATS is down." });
    expect(verdict(RABBIT_RATE, result({ p50: 3 })).outcome).toBe("no-figure");
  });
});

describe("figures as the page prints them", () => {
  test("milliseconds keep two significant digits below ten, whole ones above", () => {
    expect([0.042, 0.2, 0.137, 3.14, 12.6, 1_234].map(formatMs)).toEqual(["0.042 ms", "0.2 ms", "0.14 ms", "3.1 ms", "13 ms", "1,234 ms"]);
  });
  test("rates round to k and M", () => {
    expect([850, 4_321, 48_000, 1_250_000, 12_000_000].map(formatRate)).toEqual(["850 msg/s", "4.3k msg/s", "48k msg/s", "1.3M msg/s", "12M msg/s"]);
  });
});
