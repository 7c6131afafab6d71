import { expect, test } from "@playwright/test";
import { existsSync } from "node:fs";
import { SCENARIOS } from "../../server/scenarios";
import { SCENARIO_START_MS } from "./servers";

/**
 * A smoke test derived from the catalogue: a new scenario is covered by adding it to the list.
 * Each starts from the page, publishes with its own button, draws the arrow, counts it, and
 * (where it has one) loses a killable actor to a click. A scenario with a spec of its own is
 * driven through the same page there, more deeply, so it is not started twice.
 */
const hasOwnSpec = (id: string) => existsSync(new URL(`./${id}.spec.ts`, import.meta.url));

for (const { info } of SCENARIOS.filter(({ info }) => !hasOwnSpec(info.id))) {
  test(`${info.id}: start, publish, see the hop, kill from the picture`, async ({ page, request }) => {
    await request.post(`/api/scenarios/${info.id}/stop`);
    await page.goto(`/scenarios/${info.id}`);
    await page.getByRole("button", { name: "Start scenario" }).click();
    const publish = page.getByRole("button", { name: info.publishLabel, exact: true });
    await expect(publish).toBeEnabled({ timeout: SCENARIO_START_MS });
    await request.post(`/api/scenarios/${info.id}/commands`, { data: { type: "reset" } });

    await publish.click();
    // Its first hop: a publish, or a gRPC call's start.
    await expect(page.getByTestId("sequence").locator('[data-testid="arrow"]:is([data-kind="published"], [data-kind="call-started"])').first()).toBeVisible();
    // The ledger's first figure counts what was sent: messages, orders or calls.
    await expect(page.getByTestId("ledger").getByTestId("ledger-value").first()).not.toHaveText("0");

    const killable = info.roles.find((r) => r.killable && r.min < r.max);
    if (killable) {
      const state = (await (await request.get(`/api/scenarios/${info.id}/state`)).json()) as { actors: { id: string; role: string; alive: boolean }[] };
      const victim = state.actors.find((a) => a.role === killable.name && a.alive);
      if (victim) {
        await page.getByTestId(`node-${victim.id}`).getByRole("button", { name: `Kill ${victim.id}` }).click();
        await expect(page.getByTestId(`kill-cross-${victim.id}`)).toBeVisible();
      }
    }
    await request.post(`/api/scenarios/${info.id}/stop`);
  });
}
