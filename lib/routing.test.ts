import { describe, expect, test } from "vitest";
import { explainRoute, topicMatches } from "./routing";

describe("routing", () => {
  test.each([
    ["orders.*.created", "orders.eu.created", true],
    ["orders.*.created", "orders.eu.paid", false],
    ["orders.*.created", "orders.created", false],
    ["orders.#", "orders", true],
    ["orders.#", "orders.eu.created", true],
    ["#.created", "orders.eu.created", true],
    ["orders.#.created", "orders.created", true],
    ["*", "", false],
    ["#", "", true],
  ])("topic %s against %s is %s", (pattern, key, expected) => {
    expect(topicMatches(pattern, key)).toBe(expected);
  });

  test("direct compares the key exactly, and says why", () => {
    expect(explainRoute("direct", { queue: "billing", key: "paid" }, "paid")).toMatchObject({ matched: true });
    expect(explainRoute("direct", { queue: "billing", key: "paid" }, "Paid")).toMatchObject({ matched: false, why: 'key "Paid" is not "paid"' });
  });

  test("fanout takes everything", () => {
    expect(explainRoute("fanout", { queue: "audit" }, "whatever").matched).toBe(true);
  });

  test("headers: all needs every pair, any needs one", () => {
    const vip = { queue: "vip", headers: { tier: "gold", region: "eu" }, match: "all" as const };
    expect(explainRoute("headers", vip, "", { tier: "gold", region: "eu", extra: "x" }).matched).toBe(true);
    expect(explainRoute("headers", vip, "", { tier: "gold" })).toMatchObject({ matched: false, why: "lacks region=eu" });
    const express = { queue: "express", headers: { shipping: "express", priority: "high" }, match: "any" as const };
    expect(explainRoute("headers", express, "", { priority: "high" })).toMatchObject({ matched: true, binding: "any: shipping=express, priority=high" });
    expect(explainRoute("headers", express, "", {}).matched).toBe(false);
  });
});
