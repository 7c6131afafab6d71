import { describe, expect, test } from "vitest";
import { hops } from "../../../lib/fixtures";
import type { ActorState } from "../../../lib/protocol";
import { ledgerOf } from "../../../lib/ledger";
import { layoutSequence } from "../../../lib/sequence";
import { castOf } from "../../../lib/cast";
import { hopDeltas } from "../../../lib/traces";
import { cqrsProjection } from "./index";
import { READ_MODEL, READ_MODEL_CHANNEL_ID, TOPIC, TOPIC_CHANNEL_ID, viewWriteId } from "./names";
import { verdictOf } from "./query-service";
import { lagCaption } from "./gauges";

const ACTORS: ActorState[] = ["command-service-1", "projector-1", "query-service-1"].map((id) => ({ id, role: id.replace(/-1$/, ""), pid: 1, alive: true, connected: true }));
const TOPIC_LINE = `dest=${TOPIC} broker=kafka`;
const VIEW_LINE = `dest=${READ_MODEL} broker=redis`;

/** One command written; projected when `projected`; then queries at the versions given. */
function command(id: string, projected: boolean, queries: string[]): string[] {
  return [
    `published command-service-1>${TOPIC_CHANNEL_ID} ${id} ${TOPIC_LINE}`,
    `confirmed ${TOPIC_CHANNEL_ID}>command-service-1 ${id} ${TOPIC_LINE}`,
    ...(projected
      ? [
          `delivered ${TOPIC_CHANNEL_ID}>projector-1 ${id} ${TOPIC_LINE}`,
          `published projector-1>${READ_MODEL_CHANNEL_ID} ${viewWriteId(id)} trace=${id} ${VIEW_LINE}`,
          `confirmed ${READ_MODEL_CHANNEL_ID}>projector-1 ${viewWriteId(id)} trace=${id} ${VIEW_LINE}`,
          `processed projector-1>${TOPIC_CHANNEL_ID} ${id} ${TOPIC_LINE}`,
        ]
      : []),
    ...queries.map((read, i) => `delivered ${READ_MODEL_CHANNEL_ID}>query-service-1 ${id}/query-${i} trace=${id} read=${read} ${VIEW_LINE}`),
  ];
}

describe("cqrs-projection's declaration", () => {
  test("its ledger counts commands written and projected, and each query fresh or stale by the versions it carries", () => {
    const trace = hops([...command("c1", true, ["1/1"]), ...command("c2", false, ["1/2", "1/2"])].join("\n"), cqrsProjection.info.id);
    expect(ledgerOf(trace, cqrsProjection.ledgerRules)).toMatchObject({ unit: "command", published: 2, completed: 1, inFlight: 1, lost: 0, queries: { fresh: 1, stale: 2 } });
  });

  test("a stale answer is marked on its arrow, a fresh one says so too", () => {
    const trace = hops(command("c1", true, ["0/1", "1/1"]).join("\n"), cqrsProjection.info.id);
    const layout = layoutSequence(castOf(cqrsProjection.info, ACTORS, trace), trace, hopDeltas(trace));
    const answers = layout.arrows.filter((a) => a.messageId.includes("/query-"));
    expect(answers.map((a) => [a.caption, a.stale])).toEqual([
      ["STALE v0 < v1", true],
      ["fresh v1", false],
    ]);
  });

  test("answers and the gauge's caption say how far the read side is behind", () => {
    expect(verdictOf(10, 20)).toBe("stale: read v10, written v20 (10 events behind)");
    expect(verdictOf(20, 20)).toBe("fresh: read v20, the latest written");
    expect(lagCaption({ written: 20, version: 19, events: 1, ms: 2_345 })).toBe("read side 1 event and 2.3 s behind the write side (v19 of v20)");
    expect(lagCaption({ written: 20, version: 20, events: 0, ms: 0 })).toBe("read model up to date: v20 of v20");
  });
});
