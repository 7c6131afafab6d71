import { describe, expect, test } from "vitest";
import type { CastMember } from "./cast";
import { hops } from "./fixtures";
import { hopCaption, isFailure } from "./hops";
import { LedgerTracker, ledgerOf } from "./ledger";
import { isMessageHop, type MessageHop } from "./protocol";
import { layoutSequence } from "./sequence";
import { assembleTraces } from "./traces";

const CALLS = { guarantee: "caller-informed" } as const;

/** A call OK at once, one retried onto another server, one UNAVAILABLE, one cancelled, one open. */
const SESSION = `
call-started client>svc c1 side=client
call-started svc>server-1 c1 side=server
status server-1>svc c1 side=server code=OK
status svc>client c1 side=client code=OK rtt=2
call-started client>svc c2 side=client
call-started svc>server-2 c2 side=server
status server-2>svc c2 side=server code=UNAVAILABLE
call-started svc>server-1 c2@2 side=server
status server-1>svc c2@2 side=server code=OK
status svc>client c2@2 side=client code=OK
call-started client>svc c3 side=client
status svc>client c3 side=client code=UNAVAILABLE
call-started client>svc c4 side=client
call-started svc>server-1 c4 side=server
status svc>client c4 side=client code=CANCELLED
call-started client>svc c5 side=client
`;

describe("the call ledger", () => {
  test("counts calls by the status their caller got: OK, retried then OK, failed by code, cancelled, open", () => {
    const ledger = ledgerOf(hops(SESSION), CALLS);
    expect(ledger.calls).toEqual({ started: 5, ok: 2, retriedThenOk: 1, retries: 1, cancelled: 1, failed: { UNAVAILABLE: 1 } });
    expect(ledger).toMatchObject({ published: 5, delivered: 3, completed: 2, dropped: 2, dropReasons: { UNAVAILABLE: 1, CANCELLED: 1 }, inFlight: 1, redelivered: 0, lost: 0 });
  });

  test("a status counts once, and a call started before the ledger (or its reset) never counts", () => {
    const tracker = new LedgerTracker(CALLS);
    for (const hop of hops(SESSION)) tracker.apply(hop);
    tracker.reset();
    for (const hop of hops(`
status svc>client c5 side=client code=OK
call-started client>svc c6 side=client
status svc>client c6 side=client code=OK
status svc>client c6 side=client code=DEADLINE_EXCEEDED
`)) tracker.apply(hop);
    expect(tracker.snapshot().calls).toEqual({ started: 1, ok: 1, retriedThenOk: 0, retries: 0, cancelled: 0, failed: {} });
    expect(tracker.isOpen("c6")).toBe(false);
  });

  test("an attempt seen before its call's start still counts once the start arrives", () => {
    const ledger = ledgerOf(hops(`
call-started svc>server-1 c1@2 side=server
call-started client>svc c1 side=client
status svc>client c1@2 side=client code=OK
`), CALLS);
    expect(ledger.calls).toMatchObject({ started: 1, ok: 1, retriedThenOk: 1, retries: 1 });
    expect(ledger.delivered).toBe(1);
  });

  test("a trace ends with its caller's status, and says why when it is not OK", () => {
    const traces = assembleTraces(hops(SESSION), CALLS);
    expect(traces.get("c1")).toMatchObject({ status: "completed", rttMs: 2, reason: null });
    expect(traces.get("c2")).toMatchObject({ status: "completed", attempts: 2 });
    expect(traces.get("c3")).toMatchObject({ status: "dropped", reason: "UNAVAILABLE: UNAVAILABLE details" });
    expect(traces.get("c5")?.status).toBe("in-flight");
  });
});

describe("how a call's hops are named and drawn", () => {
  const byId = (spec: string) => hops(spec).filter(isMessageHop)[0] as MessageHop;

  test("a status by its code, a streamed message by its place, a retried attempt by its number", () => {
    expect(hopCaption(byId("status svc>client c1 side=client code=UNAVAILABLE"))).toBe("status UNAVAILABLE");
    expect(hopCaption(byId("response-message svc>client c1 side=client index=3"))).toBe("response 3");
    expect(hopCaption(byId("call-started svc>server-2 c1@2 side=server"))).toBe("call started #2");
    expect(isFailure(byId("status svc>client c1 side=client code=OK"))).toBe(false);
    expect(isFailure(byId("status svc>client c1 side=client code=DEADLINE_EXCEEDED"))).toBe(true);
    expect(isFailure(byId("response-message svc>client c1 side=client index=1"))).toBe(false);
  });

  test("the sequence diagram draws a failed status as a failure, with its details to read", () => {
    const cast: CastMember[] = [
      { id: "client", label: "client", role: "client", kind: "actor", alive: true, side: "left" },
      { id: "svc", label: "svc", role: "service", kind: "channel", alive: true, side: "middle" },
    ];
    const layout = layoutSequence(cast, hops("call-started client>svc c1 side=client\nstatus svc>client c1 side=client code=UNAVAILABLE"), new Map());
    expect(layout.arrows.map((a) => [a.caption, a.failed, a.details])).toEqual([
      ["call started", false, null],
      ["status UNAVAILABLE", true, "UNAVAILABLE details"],
    ]);
  });
});
