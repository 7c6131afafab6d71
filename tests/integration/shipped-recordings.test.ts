import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { durationOf, ledgerAt, parseRecording } from "../../lib/recording";
import { SCENARIOS } from "../../server/scenarios";

const DIR = "public/recordings";
const files = readdirSync(DIR).filter((f) => f.endsWith(".ndjson"));

describe("the recordings that ship with Hopscope", () => {
  test("one per scenario, listed in the index", () => {
    const index = JSON.parse(readFileSync(`${DIR}/index.json`, "utf8")) as { recordings: { id: string; path: string }[] };
    const ids = SCENARIOS.map((s) => s.info.id).sort();
    expect(files.map((f) => f.replace(/\.ndjson$/, "")).sort()).toEqual(ids);
    expect(index.recordings.map((r) => r.id).sort()).toEqual(ids);
    for (const r of index.recordings) expect(r.path).toBe(`/recordings/${r.id}.ndjson`);
  });

  for (const file of files) {
    test(`${file} replays to the ledger its live run had`, () => {
      const parsed = parseRecording(readFileSync(`${DIR}/${file}`, "utf8"));
      if (!parsed.ok) throw new Error(parsed.error);
      const { recording } = parsed;
      expect(ledgerAt(recording, durationOf(recording))).toEqual(recording.header.state.ledger);
      // Each tells a settled story: nothing lost, nothing left hanging.
      expect(recording.header.state.ledger).toMatchObject({ lost: 0, inFlight: 0 });
    });
  }
});
