import { describe, expect, test } from "vitest";
import { commandSchema, describeZodError, hopDraftSchema } from "./protocol";

describe("protocol", () => {
  test("publish defaults to one message and caps bursts", () => {
    expect(commandSchema.parse({ type: "publish" })).toEqual({ type: "publish", count: 1 });
    const tooMany = commandSchema.safeParse({ type: "publish", count: 5000 });
    expect(tooMany.success).toBe(false);
    if (!tooMany.success) expect(describeZodError(tooMany.error)).toMatch(/^count: /);
  });

  test("set takes numeric parameters only, and at least one", () => {
    expect(commandSchema.parse({ type: "set", delayMs: 30 })).toEqual({ type: "set", delayMs: 30 });
    expect(commandSchema.safeParse({ type: "set", delayMs: "30" }).success).toBe(false);
    expect(commandSchema.safeParse({ type: "set" }).success).toBe(false);
  });

  test("a hop draft must carry its message descriptor", () => {
    const base = { scenarioId: "s", broker: "nats", from: "a", to: "b", at: 1 };
    expect(hopDraftSchema.safeParse({ ...base, kind: "published" }).success).toBe(false);
    const message = { id: "m", traceId: "m", destination: "d", attempt: 1, redelivered: false, size: 0, preview: "" };
    expect(hopDraftSchema.safeParse({ ...base, kind: "published", message }).success).toBe(true);
    expect(hopDraftSchema.safeParse({ ...base, kind: "actor-killed", actor: { id: "a", role: "r", pid: 3 } }).success).toBe(true);
  });
});
