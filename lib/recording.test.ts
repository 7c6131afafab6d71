import { describe, expect, test } from "vitest";
import { hops } from "./fixtures";
import { emptyLedger, type LedgerRules } from "./ledger";
import { PROTOCOL_VERSION, type Ledger, type ScenarioInfo } from "./protocol";
import { encodeRecording, ledgerAt, parseRecording, type RecordingHeader } from "./recording";

const scenario: ScenarioInfo = {
  id: "test",
  title: "Test",
  summary: "",
  pattern: "request-reply",
  broker: "nats",
  brokers: ["nats"],
  guarantee: "at-most-once",
  publishLabel: "Send",
  roundTrip: "request → reply",
  roles: [{ name: "req", description: "", min: 1, max: 1, killable: false, transport: "nats", publishes: true }],
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

/** The same recording as protocol v2 wrote it: one broker per scenario, no transports. */
function asV2(text: string): string {
  const [first, ...rest] = text.trim().split("\n");
  const head = JSON.parse(first!) as { v: number; scenario: { brokers?: unknown; roles: { transport?: unknown; publishes?: unknown }[] } };
  head.v = 2;
  delete head.scenario.brokers;
  for (const role of head.scenario.roles) {
    delete role.transport;
    delete role.publishes;
  }
  const lines = rest.map((line) => JSON.stringify({ ...(JSON.parse(line) as object), v: 2 }));
  return [JSON.stringify(head), ...lines].join("\n") + "\n";
}

describe("recordings of protocol v2", () => {
  const rabbit: RecordingHeader = { ...header, scenario: { ...scenario, broker: "rabbitmq", brokers: ["rabbitmq"], roles: [{ ...scenario.roles[0]!, transport: "rabbitmq" }] } };

  test("are upgraded on read: the scenario's one broker is its brokers and every role's transport", () => {
    const parsed = parseRecording(asV2(encodeRecording(rabbit, list)));
    if (!parsed.ok) throw new Error(parsed.error);
    const { header: upgraded, hops: read } = parsed.recording;
    expect(upgraded.v).toBe(PROTOCOL_VERSION);
    expect(upgraded.scenario.brokers).toEqual(["rabbitmq"]);
    expect(upgraded.scenario.roles.map((role) => role.transport)).toEqual(["rabbitmq"]);
    expect(read.every((hop) => hop.v === PROTOCOL_VERSION)).toBe(true);
    expect(read.map((hop) => ({ ...hop, v: 0 }))).toEqual(list.map((hop) => ({ ...hop, v: 0 })));
    expect(ledgerAt(parsed.recording, 3)).toMatchObject({ published: 1, completed: 1, inFlight: 0 });
  });

  test("still validate as v2 did: a hop stamped with another version is refused", () => {
    const lines = asV2(encodeRecording(header, list)).trim().split("\n");
    const hop = JSON.parse(lines[1]!) as Record<string, unknown>;
    hop.v = PROTOCOL_VERSION;
    expect(parseRecording([lines[0], JSON.stringify(hop), ...lines.slice(2)].join("\n"))).toMatchObject({ ok: false, error: expect.stringMatching(/^line 2: v/) });
    expect(parseRecording(encodeRecording(header, list).replace(`"v":${PROTOCOL_VERSION},"recordedAt"`, '"v":1,"recordedAt"'))).toMatchObject({ ok: false, error: "line 1: recorded with protocol v1; this Hopscope reads v2 and v3" });
  });
});

describe("recordings of protocol v3", () => {
  const rules: LedgerRules = {
    guarantee: "at-least-once",
    legs: [
      { name: "payment", guarantee: "at-most-once", destinations: ["subj"] },
      { name: "jobs", guarantee: "at-least-once", destinations: ["emails"], completesOn: ["acked"] },
    ],
    unit: { name: "order", completesWhenAll: ["subj"], endsOnDropIn: ["payment"] },
  };
  const story: RecordingHeader = {
    ...header,
    scenario: { ...scenario, brokers: ["nats", "rabbitmq"], roles: [...scenario.roles, { name: "worker", description: "", min: 0, max: 4, killable: true, transport: "rabbitmq" }] },
    rules,
    state: { ...header.state, ledger: { ...emptyLedger(), unit: "order", legs: [{ name: "payment", guarantee: "at-most-once", ledger: emptyLedger() }, { name: "jobs", guarantee: "at-least-once", ledger: emptyLedger() }] } },
  };
  const reencode = (edit: (h: RecordingHeader) => void): string => {
    const h = structuredClone(story);
    edit(h);
    return encodeRecording(h, list);
  };

  test("keep legs and units, and replay them", () => {
    const parsed = parseRecording(encodeRecording(story, list));
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.recording.header).toEqual(story);
    expect(ledgerAt(parsed.recording, 3)).toMatchObject({ unit: "order", published: 1, completed: 1, legs: [{ name: "payment", ledger: { completed: 1 } }, { name: "jobs", ledger: { published: 0 } }] });
  });

  test("keep a saga's compensation, in its rules and its ledger, and replay it", () => {
    const saga: RecordingHeader = {
      ...story,
      rules: { ...rules, unit: { name: "saga", completesWhenAll: ["subj"], endsOnDropIn: [], compensatedOn: { emails: "undone" } } },
      state: { ...story.state, ledger: { ...story.state.ledger, unit: "saga", compensated: 1, compensatedReasons: { undone: 1 } } },
    };
    const undone = hops(`
      published req>subj m1 t=0
      published req>emails m2 trace=m1 dest=emails t=1
      acked w>emails m2 trace=m1 dest=emails t=2
    `);
    const parsed = parseRecording(encodeRecording(saga, undone));
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.recording.header).toEqual(saga);
    expect(ledgerAt(parsed.recording, 2)).toMatchObject({ unit: "saga", published: 1, completed: 0, compensated: 1, compensatedReasons: { undone: 1 }, inFlight: 0 });
    const elsewhere = structuredClone(saga);
    elsewhere.rules.unit = { name: "saga", completesWhenAll: ["subj"], endsOnDropIn: [], compensatedOn: { refunds: "undone" } };
    expect(parseRecording(encodeRecording(elsewhere, undone))).toMatchObject({ ok: false, error: "line 1: rules.unit.compensatedOn.refunds: refunds is in no leg" });
  });

  test("need the new fields, consistent with each other", () => {
    const refused = (edit: (h: RecordingHeader) => void) => parseRecording(reencode(edit));
    expect(refused((h) => delete (h.scenario as Partial<ScenarioInfo>).brokers)).toMatchObject({ ok: false, error: expect.stringMatching(/^line 1: scenario\.brokers/) });
    expect(refused((h) => delete (h.scenario.roles[1] as { transport?: string }).transport)).toMatchObject({ ok: false, error: expect.stringMatching(/^line 1: scenario\.roles\.1\.transport/) });
    expect(refused((h) => (h.scenario.roles[1]!.transport = "kafka"))).toMatchObject({ ok: false, error: "line 1: scenario.roles.1.transport: kafka is not one of brokers" });
    expect(refused((h) => (h.scenario.broker = "rabbitmq"))).toMatchObject({ ok: false, error: "line 1: scenario.broker: must be the first of brokers" });
    expect(refused((h) => (h.rules.unit = { name: "order", completesWhenAll: ["subj"], endsOnDropIn: ["billing"] }))).toMatchObject({ ok: false, error: "line 1: rules.unit.endsOnDropIn.0: no leg billing" });
    expect(refused((h) => (h.rules.unit = { name: "order", completesWhenAll: ["shipping"], endsOnDropIn: [] }))).toMatchObject({ ok: false, error: "line 1: rules.unit.completesWhenAll.0: shipping is in no leg" });
    expect(refused((h) => (h.rules.legs = [...h.rules.legs!, { name: "again", guarantee: "at-most-once", destinations: ["emails"] }]))).toMatchObject({ ok: false, error: "line 1: rules.legs.2.destinations: emails is already in leg jobs" });
    expect(refused((h) => ((h.rules.legs![0] as { guarantee: string }).guarantee = "exactly-once"))).toMatchObject({ ok: false, error: expect.stringMatching(/^line 1: rules\.legs\.0\.guarantee/) });
    expect(refused((h) => ((h.state.ledger.legs![1]!.ledger as Partial<Ledger>).completed = undefined))).toMatchObject({ ok: false, error: expect.stringMatching(/^line 1: state\.ledger\.legs\.1\.ledger\.completed/) });
    expect(refused((h) => ((h.state.ledger as { unit?: unknown }).unit = 3))).toMatchObject({ ok: false, error: expect.stringMatching(/^line 1: state\.ledger\.unit/) });
  });
});
