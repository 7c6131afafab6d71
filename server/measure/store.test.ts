import { describe, expect, test } from "vitest";
import { MEASURE_IDS } from "../../lib/measurements";
import { readMeasurementSet, SHIPPED_MEASUREMENTS } from "./store";

describe("measurement sets", () => {
  test("the shipped set is valid and has every path", async () => {
    const shipped = await readMeasurementSet(SHIPPED_MEASUREMENTS);
    expect(shipped?.results.map((r) => r.id)).toEqual([...MEASURE_IDS]);
  });

  test("a missing or malformed file reads as no set", async () => {
    expect(await readMeasurementSet(new URL("./no-such-file.json", import.meta.url).pathname)).toBeNull();
    expect(await readMeasurementSet(new URL("./measure.proto", import.meta.url).pathname)).toBeNull();
  });
});
