import { describe, expect, test } from "vitest";
import { COMPARISONS } from "../../lib/comparisons";
import { GUIDE_LEAVES, TABLE_ROWS } from "../../lib/guide";
import { SCENARIOS } from "./index";

// Beside the catalogue rather than in lib/guide.test.ts: lib/ may not import the server, and the
// guide's links are only as good as the scenarios they name.
const scenarioIds = new Set(SCENARIOS.map((s) => s.info.id));
const comparisonIds = new Set(COMPARISONS.map((c) => c.id));

describe("the guide's links", () => {
  test("every leaf of the decision tree opens a scenario that exists", () => {
    for (const leaf of GUIDE_LEAVES) {
      expect(scenarioIds.has(leaf.scenarioId), `${leaf.id} → ${leaf.scenarioId}`).toBe(true);
      for (const id of leaf.seeAlso ?? []) expect(scenarioIds.has(id), `${leaf.id} → ${id}`).toBe(true);
    }
  });

  test("every row of the table links to a scenario or comparison that exists", () => {
    for (const row of TABLE_ROWS)
      for (const link of row.watch) expect((link.kind === "scenario" ? scenarioIds : comparisonIds).has(link.id), `${row.id} → ${link.kind} ${link.id}`).toBe(true);
  });

  test("every scenario of one pattern (not a story) is reachable from the guide", () => {
    const named = new Set([...GUIDE_LEAVES.flatMap((l) => [l.scenarioId, ...(l.seeAlso ?? [])]), ...TABLE_ROWS.flatMap((r) => r.watch.filter((w) => w.kind === "scenario").map((w) => w.id))]);
    const single = SCENARIOS.filter((s) => s.info.pattern !== "story").map((s) => s.info.id);
    expect(single.filter((id) => !named.has(id))).toEqual([]);
  });
});
