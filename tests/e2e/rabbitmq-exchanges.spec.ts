import { expect, test } from "@playwright/test";
import { SCENARIO_START_MS } from "./servers";

const ID = "rabbitmq-exchanges";

test("a topic publish lights the queues it reached and says why; an unroutable one comes back", async ({ page, request }) => {
  await request.post(`/api/scenarios/${ID}/stop`);
  await page.goto(`/scenarios/${ID}`);
  await page.getByRole("button", { name: "Start scenario" }).click();
  await expect(page.getByRole("button", { name: "Publish", exact: true })).toBeVisible({ timeout: SCENARIO_START_MS });
  await request.post(`/api/scenarios/${ID}/commands`, { data: { type: "reset" } });

  await page.getByLabel("Exchange", { exact: true }).selectOption("orders.topic");
  await page.getByLabel("Routing key", { exact: true }).fill("orders.us.created");
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await expect(page.getByRole("status")).toContainText("Routed to ex.created, ex.all-orders");

  const sequence = page.getByTestId("sequence");
  await expect(sequence.locator('[data-testid="arrow"][data-kind="routed"]')).toHaveCount(2);
  await expect(sequence.locator('[data-testid="arrow"][data-kind="delivered"]')).toHaveCount(2);
  await sequence.locator('[data-testid="arrow"][data-kind="published"]').click();
  const verdicts = page.getByTestId("routing-verdicts");
  await expect(verdicts).toContainText("ex.eu-orders");
  await expect(verdicts).toContainText('"orders.us.created" does not match "orders.eu.*"');
  await expect(verdicts).toContainText('"orders.us.created" matches "orders.*.created"');

  await page.getByLabel("Exchange", { exact: true }).selectOption("orders.direct");
  await page.getByLabel("Routing key", { exact: true }).fill("refunded");
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await expect(sequence.locator('[data-testid="arrow"][data-kind="dropped"]')).toHaveCount(1);
  await expect(page.getByTestId("ledger")).toContainText("unroutable");
});
