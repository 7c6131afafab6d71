import { describe, expect, test } from "vitest";
import { crossCheck, crossCheckSettles, crossCheckVerdict } from "./crosscheck";

const settle = (kind: string, id: string, seq: number, attempt = 1) => ({ kind, message: { id, traceId: id, destination: "ORDERS", offset: String(seq), attempt, redelivered: attempt > 1, size: 0, preview: "" } }) as Parameters<typeof crossCheck>[0][number];
const hop = (kind: string, id: string) => ({ kind, message: { id, traceId: id, destination: "d", attempt: 1, redelivered: false, size: 0, preview: "" } }) as Parameters<typeof crossCheck>[0][number];

describe("the broker's view against the actors'", () => {
  test("the same messages on both sides: confirmed; a retry is one message", () => {
    const result = crossCheck([hop("published", "m1"), hop("retry", "m1"), hop("published", "m2"), hop("delivered", "m2")], [hop("published", "m1"), hop("published", "m1"), hop("published", "m2")]);
    expect(result).toEqual({ both: 2, actorsOnly: { count: 0, ids: [] }, brokerOnly: { count: 0, ids: [] }, confirmed: true });
  });

  test("a hop hidden from the actors' reports is the broker's alone; one the broker never had is the actors' alone", () => {
    const result = crossCheck([hop("published", "m1"), hop("published", "m3")], [hop("published", "m1"), hop("published", "hidden")]);
    expect(result.brokerOnly).toEqual({ count: 1, ids: ["hidden"] });
    expect(result.actorsOnly).toEqual({ count: 1, ids: ["m3"] });
    expect(result.confirmed).toBe(false);
  });

  test("a message reported before the tap started is not the broker's alone; nothing seen is not a confirmation", () => {
    expect(crossCheck([], [hop("published", "early")], new Set(["early"])).brokerOnly.count).toBe(0);
    expect(crossCheck([], []).confirmed).toBe(false);
  });

  test("settles match by stream sequence, kind and delivery, whatever id each side could name", () => {
    const reported = [settle("nacked", "m1", 7), settle("acked", "m1", 7, 2), settle("acked", "m2", 8), settle("delivered", "m3", 9)];
    const heard = [settle("nacked", "m1", 7), settle("acked", "ORDERS#7", 7, 2), settle("acked", "ORDERS#10", 10)];
    const result = crossCheckSettles(reported, heard);
    expect(result).toEqual({ both: 2, actorsOnly: { count: 1, ids: ["m2"] }, brokerOnly: { count: 1, ids: ["ORDERS#10"] } });
    const words = crossCheckVerdict({ ...crossCheck([], []), both: 3, settles: result });
    expect(words).toContain("the stream heard 1 settle no actor reported");
    expect(words).toContain("the actors reported 1 settle the stream never heard");
  });
});
