import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { SCENARIO_START_MS } from "./servers";

/**
 * A scenario's page with the scenario freshly started from it and its ledger at zero: stopped
 * first, so whatever an earlier spec left running or counted is not this one's.
 */
export async function openStartedScenario(page: Page, request: APIRequestContext, scenarioId: string, publishButton: string): Promise<void> {
  await request.post(`/api/scenarios/${scenarioId}/stop`);
  await page.goto(`/scenarios/${scenarioId}`);
  await page.getByRole("button", { name: "Start scenario" }).click();
  await expect(page.getByRole("button", { name: publishButton })).toBeVisible({ timeout: SCENARIO_START_MS });
  await request.post(`/api/scenarios/${scenarioId}/commands`, { data: { type: "reset" } });
  await expect(page.getByTestId("ledger-published").getByTestId("ledger-value")).toHaveText("0");
}
