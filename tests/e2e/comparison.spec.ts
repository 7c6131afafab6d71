import { expect, test } from "@playwright/test";

const ID = "queue-group-vs-jetstream";

test("a comparison page shows every side, acts on all of them at once, and fills its table from the run", async ({ page, request }) => {
  await request.post(`/api/comparisons/${ID}/stop`);
  await page.goto(`/compare/${ID}`);
  await expect(page.getByRole("heading", { name: "Queue group vs JetStream" })).toBeVisible();
  for (const side of ["nats-queue-group", "nats-jetstream"]) {
    await expect(page.getByTestId(`side-${side}`)).toBeVisible();
    await expect(page.getByTestId(`row-${side}`).getByTestId("fates")).toHaveText("no kill yet");
  }

  await page.getByRole("button", { name: "Start every side" }).click();
  await expect(page.getByRole("button", { name: "Publish to every side" })).toBeVisible({ timeout: 30_000 });
  await page.getByRole("button", { name: "Reset" }).click();
  await page.getByRole("spinbutton", { name: "Messages per side" }).fill("40");
  await page.getByRole("button", { name: "Publish to every side" }).click();
  for (const side of ["nats-queue-group", "nats-jetstream"]) {
    await expect(page.getByTestId(`side-${side}`).getByTestId("ledger-published").getByTestId("ledger-value")).toHaveText("40");
  }

  await page.getByRole("button", { name: "Kill one on every side" }).click();
  // Core NATS forgets what the killed worker held; JetStream hands it out again after the ack wait.
  await expect(page.getByTestId("row-nats-queue-group").getByTestId("fates")).toContainText("dropped");
  await expect(page.getByTestId("row-nats-jetstream").getByTestId("recovery")).toHaveText(/^\d+\.\d{3} ms$/, { timeout: 20_000 });
  await expect(page.getByTestId("row-nats-jetstream").getByTestId("lost")).toHaveText("0");
  await page.screenshot({ path: "test-results/comparison.png" });
  await request.post(`/api/comparisons/${ID}/stop`);
});
