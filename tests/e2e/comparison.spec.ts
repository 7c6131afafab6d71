import { expect, test } from "@playwright/test";

const ID = "redis-pubsub-vs-kafka";
const SIDES = ["redis-driver-status", "kafka-driver-status"];

test("a comparison page shows every side, acts on all of them at once, and fills its table from the run", async ({ page, request }) => {
  test.setTimeout(90_000);
  await request.post(`/api/comparisons/${ID}/stop`);
  await page.goto(`/compare/${ID}`);
  await expect(page.getByRole("heading", { name: "Redis pub/sub vs Kafka" })).toBeVisible();
  for (const side of SIDES) {
    await expect(page.getByTestId(`side-${side}`)).toBeVisible();
    await expect(page.getByTestId(`row-${side}`).getByTestId("fates")).toHaveText("no kill yet");
  }

  await page.getByRole("button", { name: "Start every side" }).click();
  await expect(page.getByRole("button", { name: "Publish to every side" })).toBeVisible({ timeout: 30_000 });
  await page.getByRole("button", { name: "Reset" }).click();
  await page.getByRole("spinbutton", { name: "Messages per side" }).fill("10");
  await page.getByRole("button", { name: "Publish to every side" }).click();
  for (const side of SIDES) await expect(page.getByTestId(`side-${side}`).getByTestId("ledger-published").getByTestId("ledger-value")).toHaveText("10");

  await page.getByRole("button", { name: "Kill one on every side" }).click();
  await expect(page.getByRole("status")).toHaveText("kill: done on every side");
  await page.getByRole("spinbutton", { name: "Messages per side" }).fill("5");
  await page.getByRole("button", { name: "Publish to every side" }).click();
  // Redis kept nothing for ride-service; Kafka keeps it all until ride-service comes back.
  await expect(page.getByTestId("row-redis-driver-status").getByTestId("missed")).toHaveText("5 (at-most-once, expected)");
  await expect(page.getByTestId("side-redis-driver-status").getByTestId("ledger-missed")).toContainText("5 copies");
  await expect(page.getByTestId("row-kafka-driver-status").getByTestId("caught-up")).toHaveText("5 kept for it");

  await page.getByRole("button", { name: "Bring ride-service back" }).click();
  await expect(page.getByTestId("row-kafka-driver-status").getByTestId("caught-up")).toHaveText(/^5 in \d+\.\d{3} ms$/, { timeout: 30_000 });
  await expect(page.getByTestId("row-redis-driver-status").getByTestId("caught-up")).toHaveText("0");
  for (const side of SIDES) await expect(page.getByTestId(`row-${side}`).getByTestId("lost")).toHaveText("0");
  await page.screenshot({ path: "test-results/comparison.png" });
  await request.post(`/api/comparisons/${ID}/stop`);
});
