import { describe, expect, test } from "vitest";
import { defaultNamespaceId, namespace, namespaceIdSchema } from "./namespace";

describe("namespaces", () => {
  test("the default names the machine and the port, so two copies on one machine stay apart", () => {
    expect(defaultNamespaceId("Workshop-Laptop.local", 3000)).toBe("workshop-laptop-3000");
    expect(defaultNamespaceId("Workshop-Laptop.local", 3001)).not.toBe(defaultNamespaceId("Workshop-Laptop.local", 3000));
    expect(defaultNamespaceId("alice", 3000)).not.toBe(defaultNamespaceId("bob", 3000));
  });

  test("a hostname with nothing usable still gives a valid namespace", () => {
    for (const host of ["", "---", "ÄÖÜ", "a".repeat(200), "x_y z"]) {
      expect(namespaceIdSchema.safeParse(defaultNamespaceId(host, 65535)).success, host).toBe(true);
    }
  });

  test("each broker gets names its rules accept, with the seed's name still readable", () => {
    const names = namespace("room-3000");
    expect(names.name("inventory.check")).toBe("room-3000.inventory.check");
    expect(names.local(names.name("orders.topic"))).toBe("orders.topic");
    expect(names.local("amq.direct")).toBe("amq.direct");
    expect(names.local(names.redis("driver-status-changed"))).toBe("driver-status-changed");
    expect(names.jetstream("ORDERS")).toBe("room-3000-ORDERS");
    expect(names.jetstream("ORDERS")).not.toContain(".");
    expect(names.redis("tasks:created")).toBe("room-3000:tasks:created");
  });

  test.each(["", "Upper", "has.dot", "has space", "wild*", "-leading", "a".repeat(49)])("refuses %j as a namespace", (id) => {
    expect(namespaceIdSchema.safeParse(id).success).toBe(false);
  });
});
