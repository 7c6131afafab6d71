import { describe, expect, test } from "vitest";
import {
  comparisonViewAt,
  encodeComparisonRecording,
  parseAnyRecording,
  parseComparisonRecording,
  COMPARISON_RECORDING_FORMAT,
  COMPARISON_RECORDING_VERSION,
  type ComparisonRecordingHeader,
} from "./comparison-recording";
import { summarizeSide, type ComparisonInfo } from "./comparisons";
import { hops } from "./fixtures";
import { emptyLedger, ledgerOf } from "./ledger";
import { PROTOCOL_VERSION, type Hop, type ScenarioInfo } from "./protocol";
import { encodeRecording, type RecordingHeader } from "./recording";

const comparison: ComparisonInfo = {
  id: "queue-vs-log",
  title: "Queue vs log",
  summary: "",
  sides: [
    { scenarioId: "queue", label: "Queue", killRole: "worker", promise: "requeued at once" },
    { scenarioId: "fire", label: "Fire and forget", killRole: "worker", promise: "gone" },
  ],
};

function sideHeader(id: string, guarantee: "at-least-once" | "at-most-once"): RecordingHeader {
  const scenario: ScenarioInfo = {
    id,
    title: id,
    summary: "",
    pattern: "work-queue",
    broker: "rabbitmq",
    brokers: ["rabbitmq"],
    guarantee,
    publishLabel: "Send",
    roundTrip: "publish → confirm",
    roles: [{ name: "worker", description: "", min: 0, max: 4, killable: true, transport: "rabbitmq" }],
    commands: [],
    settings: [],
    channels: [{ id: "q", label: "q", kind: "queue" }],
  };
  const state = { id, running: true, actors: [], ledger: emptyLedger(), latency: { count: 0, lastMs: null, p50Ms: null, p99Ms: null }, settings: {}, gauges: {}, unavailable: null };
  return { format: "hopscope-recording", v: PROTOCOL_VERSION, recordedAt: "2026-11-23T00:00:00.000Z", scenario, rules: { guarantee }, state };
}

const header: ComparisonRecordingHeader = {
  format: COMPARISON_RECORDING_FORMAT,
  version: COMPARISON_RECORDING_VERSION,
  recordedAt: "2026-11-23T00:00:00.000Z",
  comparison,
  sides: [sideHeader("queue", "at-least-once"), sideHeader("fire", "at-most-once")],
};

const queue = hops(
  `
  published p>q m1 t=0
  published p>q m2 t=1
  delivered q>w1 m1 t=2
  delivered q>w1 m2 t=3
  acked w1>q m1 t=4
  actor-killed w1>w1 worker t=10
  requeued w1>q m2 t=11
  redelivered q>w2 m2@2 t=30
  acked w2>q m2@2 t=40
`,
  "queue",
);
const fire = hops(
  `
  published p>q f1 t=0
  delivered q>w1 f1 t=2
  actor-killed w1>w1 worker t=10
  dropped w1>q f1 t=10 reason=in_flight_to_a_killed_worker
`,
  "fire",
).map((hop) => ({ ...hop, seq: hop.seq + 100 }));
const all: Hop[] = [...queue, ...fire].sort((a, b) => a.seq - b.seq);

const lines = () => encodeComparisonRecording(header, all).trim().split("\n");

describe("a comparison's recording", () => {
  test("splits into its sides, and replays each side's ledger and the table from the hops", () => {
    const parsed = parseComparisonRecording(encodeComparisonRecording(header, all));
    if (!parsed.ok) throw new Error(parsed.error);
    const { recording } = parsed;
    expect(recording.sides.map((side) => [side.header.scenario.id, side.hops.length])).toEqual([
      ["queue", queue.length],
      ["fire", fire.length],
    ]);
    const end = comparisonViewAt(recording, 40);
    expect(end.totalHops).toBe(all.length);
    const [queueRow, fireRow] = end.sides.map((side) => side.summary);
    // The same fold and the same summary as live, from the hops alone.
    expect(queueRow).toEqual(summarizeSide(comparison.sides[0]!, queue, { ledger: ledgerOf(queue, "at-least-once"), actors: end.sides[0]!.state.actors }));
    expect(queueRow).toMatchObject({ victim: "w1", held: 1, fates: { requeued: 1 }, waiting: 0, redelivered: 1, completed: 2, lost: 0 });
    expect(queueRow?.recoveryMs).toBeCloseTo(20, 6);
    expect(fireRow).toMatchObject({ victim: "w1", held: 1, fates: { dropped: 1 }, dropped: 1 });

    // Before the kill, nobody has been killed; just after it, the queue's message still waits.
    expect(comparisonViewAt(recording, 5).sides.map((side) => side.summary.victim)).toEqual([null, null]);
    const afterKill = comparisonViewAt(recording, 20);
    expect(afterKill.sides[0]?.summary).toMatchObject({ held: 1, fates: { requeued: 1 }, waiting: 1, recoveryMs: null });
    expect(afterKill.sides[0]?.state.actors.find((actor) => actor.id === "w1")?.alive).toBe(false);
  });

  test("keeps a comparison's comeback, so the replayed table has the columns of what was sent while it was down", () => {
    const comeback = { label: "Bring w back", hint: "Start w again on every side" };
    const parsed = parseComparisonRecording(encodeComparisonRecording({ ...header, comparison: { ...comparison, comeback } }, all));
    if (!parsed.ok) throw new Error(parsed.error);
    expect(comparisonViewAt(parsed.recording, 40).info.comeback).toEqual(comeback);
  });

  test("names the line and the field of what is wrong", () => {
    const [first = "", ...rest] = lines();
    const edit = (change: (h: Record<string, unknown>) => void) => {
      const h = JSON.parse(first) as Record<string, unknown>;
      change(h);
      return [JSON.stringify(h), ...rest].join("\n");
    };
    expect(parseComparisonRecording(edit((h) => (h.version = 9)))).toEqual({ ok: false, error: "line 1: comparison recording version 9; this Hopscope reads version 1" });
    expect(parseComparisonRecording(edit((h) => (h.sides = [header.sides[1], header.sides[0]])))).toEqual({ ok: false, error: "line 1: sides.0: records fire, but that side is queue" });
    expect(parseComparisonRecording(edit((h) => (h.sides = [header.sides[0]])))).toEqual({ ok: false, error: "line 1: sides: 1 headers for 2 sides" });
    expect(parseComparisonRecording(edit((h) => (h.sides = [{ ...header.sides[0], v: 99 }, header.sides[1]])))).toMatchObject({ ok: false, error: expect.stringContaining("line 1: sides.0: recorded with protocol v99") });
    expect(parseComparisonRecording(edit((h) => delete h.comparison))).toMatchObject({ ok: false, error: expect.stringMatching(/^line 1: comparison/) });
    expect(parseComparisonRecording([first, rest[0], "{oops"].join("\n"))).toEqual({ ok: false, error: "line 3: not JSON" });
    const stranger = { ...(JSON.parse(rest[0] ?? "") as object), scenarioId: "elsewhere" };
    expect(parseComparisonRecording([first, JSON.stringify(stranger)].join("\n"))).toEqual({ ok: false, error: "line 2: scenarioId: elsewhere is not a side of queue-vs-log" });
    const teleported = { ...(JSON.parse(rest[0] ?? "") as object), kind: "teleported" };
    expect(parseComparisonRecording([first, JSON.stringify(teleported)].join("\n"))).toMatchObject({ ok: false, error: expect.stringMatching(/^line 2: kind/) });
  });

  test("a file is read as whichever recording it is; a scenario's recording still opens as before", () => {
    const asComparison = parseAnyRecording(encodeComparisonRecording(header, all));
    expect(asComparison).toMatchObject({ ok: true, kind: "comparison" });
    const side = header.sides[0]!;
    expect(parseAnyRecording(encodeRecording(side, queue))).toMatchObject({ ok: true, kind: "scenario", recording: { header: side } });
    expect(parseAnyRecording('{"format":"something-else"}')).toMatchObject({ ok: false, error: expect.stringContaining("not a Hopscope recording") });
  });
});
