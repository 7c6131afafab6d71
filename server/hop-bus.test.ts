import { describe, expect, test } from "vitest";
import { hops } from "../lib/fixtures";
import type { HopDraft, MessageHop } from "../lib/protocol";
import { HopBus } from "./hop-bus";

/** The same hops as drafts, as actors hand them in. */
function drafts(text: string): HopDraft[] {
  return hops(text).map(({ seq: _seq, v: _v, ...draft }) => ({ ...draft, scenarioId: "streams" }) as HopDraft);
}

function forgotten(draft: HopDraft): HopDraft {
  return { ...(draft as MessageHop), forgottenByBroker: true, reason: "gone with Redis's memory" } as HopDraft;
}

describe("a broker forgetting messages", () => {
  test("settles what was still open as dropped, not lost, and leaves what was settled alone", () => {
    const bus = new HopBus();
    const store = bus.register("streams", { guarantee: "at-least-once" });
    bus.ingest(
      drafts(`
        published p>stream m1
        published p>stream m2
        delivered stream>c1 m1
        acked c1>stream m1
        delivered stream>c1 m2
      `),
    );
    bus.flush(Number.MAX_SAFE_INTEGER);
    const [m1Drop, m2Drop] = drafts(`
      dropped stream>stream m1
      dropped stream>stream m2
    `).map(forgotten);
    bus.ingest([m1Drop!, m2Drop!]);
    const batch = bus.flush(Number.MAX_SAFE_INTEGER).get("streams");

    // m1 was acked before the broker went: no hop says otherwise, and the seqs stay unbroken.
    expect(batch?.hops.map((h) => ("message" in h ? `${h.kind} ${h.message.id}` : h.kind))).toEqual(["dropped m2"]);
    expect(batch?.hops[0]?.seq).toBe((batch?.afterSeq ?? 0) + 1);
    expect(store.ledgerSnapshot()).toMatchObject({ published: 2, completed: 1, dropped: 1, lost: 0, inFlight: 0, dropReasons: { "gone with Redis's memory": 1 } });
  });

  test("a plain drop of an at-least-once message is still a broken promise", () => {
    const bus = new HopBus();
    const store = bus.register("streams", { guarantee: "at-least-once" });
    bus.ingest(drafts(`
      published p>stream m1
      dropped stream>stream m1
    `));
    bus.flush(Number.MAX_SAFE_INTEGER);
    expect(store.ledgerSnapshot()).toMatchObject({ published: 1, dropped: 0, lost: 1 });
  });
});
