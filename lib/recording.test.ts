import { describe, expect, test } from "vitest";
import { hops } from "./fixtures";
import { emptyLedger } from "./ledger";
import { PROTOCOL_VERSION, type ScenarioInfo } from "./protocol";
import { encodeRecording, ledgerAt, parseRecording, type RecordingHeader } from "./recording";

const scenario: ScenarioInfo = {
  id: "test",
  title: "Test",
  summary: "",
  pattern: "request-reply",
  broker: "nats",
  guarantee: "at-most-once",
  publishLabel: "Send",
  roundTrip: "request → reply",
  roles: [{ name: "req", description: "", min: 1, max: 1, killable: false }],
  commands: [],
  settings: [],
  channels: [{ id: "subj", label: "subj", kind: "subject" }],
};

const header: RecordingHeader = {
  format: "hopscope-recording",
  v: PROTOCOL_VERSION,
  recordedAt: "2026-11-23T00:00:00.000Z",
  scenario,
  rules: { guarantee: "at-most-once" },
  state: { id: "test", running: true, actors: [], ledger: emptyLedger(), latency: { count: 0, lastMs: null, p50Ms: null, p99Ms: null }, settings: {}, gauges: {}, unavailable: null },
};

const list = hops(`
  published req>subj m1 t=0
  delivered subj>r1 m1 t=1
  replied r1>subj m1 t=2
  reply-received subj>req m1 t=3 rtt=3
`);

describe("recording", () => {
  test("round-trips through NDJSON and replays its ledger at any moment", () => {
    const text = encodeRecording(header, list);
    expect(text.trim().split("\n")).toHaveLength(5);
    const parsed = parseRecording(text);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.recording.hops).toEqual(list);
    expect(ledgerAt(parsed.recording, 1).completed).toBe(0);
    expect(ledgerAt(parsed.recording, 3)).toMatchObject({ published: 1, completed: 1, inFlight: 0 });
  });

  test("names the line and the field of what is wrong", () => {
    const text = encodeRecording(header, list);
    expect(parseRecording("")).toEqual({ ok: false, error: "the file is empty" });
    expect(parseRecording('{"hello":1}')).toMatchObject({ ok: false, error: expect.stringContaining("not a Hopscope recording") });
    expect(parseRecording(text.replace(`"v":${PROTOCOL_VERSION},"recordedAt"`, '"v":99,"recordedAt"'))).toMatchObject({ ok: false, error: expect.stringContaining("protocol v99") });
    const lines = text.trim().split("\n");
    expect(parseRecording([...lines.slice(0, 2), "{oops", ...lines.slice(3)].join("\n"))).toEqual({ ok: false, error: "line 3: not JSON" });
    const badHop = JSON.parse(lines[2]!) as Record<string, unknown>;
    badHop.kind = "teleported";
    expect(parseRecording([lines[0], lines[1], JSON.stringify(badHop)].join("\n"))).toMatchObject({ ok: false, error: expect.stringMatching(/^line 3: kind/) });
  });
});
