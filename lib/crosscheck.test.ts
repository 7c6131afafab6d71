import { describe, expect, test } from "vitest";
import { crossCheck } from "./crosscheck";

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
});
