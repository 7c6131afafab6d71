import { describe, expect, test } from "vitest";
import { TRANSPORTS } from "../../lib/protocol";
import { SCENARIOS } from "./index";

describe("the scenario catalogue", () => {
  test("ids are unique", () => {
    const ids = SCENARIOS.map((s) => s.info.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  for (const scenario of SCENARIOS) {
    const { info } = scenario;
    describe(info.id, () => {
      test("every setting's UI bounds are exactly the bounds the API accepts", () => {
        for (const setting of info.settings) {
          const accepts = (value: number) => scenario.settingsSchema.safeParse({ [setting.name]: value }).success;
          expect(accepts(setting.min), `${setting.name} min`).toBe(true);
          expect(accepts(setting.max), `${setting.name} max`).toBe(true);
          expect(accepts(setting.min - setting.step), `${setting.name} below min`).toBe(false);
          expect(accepts(setting.max + setting.step), `${setting.name} above max`).toBe(false);
          expect(scenario.defaults[setting.name], `${setting.name} default`).toBeGreaterThanOrEqual(setting.min);
          expect(scenario.defaults[setting.name], `${setting.name} default`).toBeLessThanOrEqual(setting.max);
        }
        expect(Object.keys(scenario.defaults).sort()).toEqual(info.settings.map((s) => s.name).sort());
        expect(scenario.settingsSchema.safeParse({ notASetting: 1 }).success).toBe(false);
      });

      test("roles, kills and the demo name roles that exist, and one role publishes", () => {
        const roles = new Map(info.roles.map((r) => [r.name, r]));
        expect(info.roles.filter((r) => r.publishes).map((r) => r.name)).toEqual([scenario.publisherRole]);
        for (const role of scenario.kills.keys()) expect(roles.get(role)?.killable, role).toBe(true);
        if (scenario.demo.kill) expect(roles.get(scenario.demo.kill.role)?.killable).toBe(true);
        for (const { role, count } of scenario.initialActors) {
          const r = roles.get(role);
          expect(r && count >= r.min && count <= r.max, role).toBe(true);
        }
      });

      test("its brokers are the transports its roles speak, and every channel belongs to one", () => {
        for (const broker of info.brokers) expect(TRANSPORTS).toContain(broker);
        expect(info.broker).toBe(info.brokers[0]);
        for (const role of info.roles) expect(info.brokers).toContain(role.transport);
        for (const channel of info.channels) expect(info.brokers).toContain(channel.id.split(":")[0]);
      });

      test("a kill of its own, a publish field and a command are offered only where they make sense", () => {
        const commands = new Set(info.commands.map((c) => c.type));
        expect(commands.has("publish")).toBe(true);
        expect(commands.has("kill-actor")).toBe(info.roles.some((r) => r.killable));
        expect(commands.has("set")).toBe(info.settings.length > 0);
      });
    });
  }
});
