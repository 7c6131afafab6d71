import { expect, test } from "@playwright/test";
import { SCENARIO_START_MS } from "./servers";

const ID = "redis-pubsub";

test("a status goes to both subscribers; with nobody listening it is dropped, as at-most-once allows", async ({ page, request }) => {
  await request.post(`/api/scenarios/${ID}/stop`);
  await page.goto(`/scenarios/${ID}`);
  await page.getByRole("button", { name: "Start scenario" }).click();
  const publish = page.getByRole("button", { name: "Publish status" });
  await expect(publish).toBeVisible({ timeout: SCENARIO_START_MS });
  await request.post(`/api/scenarios/${ID}/commands`, { data: { type: "reset" } });

  // Ids number on across runs of the scenario: ask which subscribers are alive.
  const { actors } = (await (await request.get(`/api/scenarios/${ID}/state`)).json()) as { actors: { id: string; role: string; alive: boolean }[] };
  const subscribers = actors.filter((a) => a.role === "subscriber" && a.alive).map((a) => a.id);
  expect(subscribers).toHaveLength(2);

  // Each subscriber shows its two connections.
  const [first = "none"] = subscribers;
  await expect(page.getByTestId(`node-${first}`)).toContainText("subscriber");
  await expect(page.getByTestId(`node-${first}`)).toContainText("commands");

  await publish.click();
  const sequence = page.getByTestId("sequence");
  await expect(sequence.locator('[data-testid="arrow"][data-kind="delivered"]')).toHaveCount(2);

  for (const id of subscribers) {
    await page.getByTestId(`node-${id}`).getByRole("button", { name: `Kill ${id}` }).click();
    await expect(page.getByTestId(`kill-cross-${id}`)).toBeVisible();
  }
  // Redis drops a dead connection's subscriptions a moment after the kill.
  await expect
    .poll(async () => {
      await publish.click();
      return sequence.locator('[data-testid="arrow"][data-kind="dropped"]').count();
    }, { timeout: 15_000, intervals: [500] })
    .toBeGreaterThan(0);
  await expect(page.getByTestId("ledger")).toContainText("no subscribers: at-most-once, expected");
  await expect(page.getByTestId("ledger-lost").getByTestId("ledger-value")).toHaveText("0");
});
