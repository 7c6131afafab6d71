import { expect, test } from "@playwright/test";
import Redis from "ioredis";
import { namespace } from "../../server/brokers/namespace";
import { loadConfig } from "../../server/config";
import { DRIVER_CHANNEL } from "../../server/scenarios/redis-pubsub/names";
import { openStartedScenario } from "./scenario-page";
import { NAMESPACE } from "./servers";
import { expectStageFloor } from "./stage-text";

const ID = "redis-pubsub";
const urls = loadConfig({ ...process.env, PORT: "0" }).urls;

test.describe("the broker's view", () => {
  test.setTimeout(120_000);
  test.use({ viewport: { width: 1280, height: 720 } });

  test("the broker confirms what the actors published, and shows a publish made behind their backs as its own", async ({ page, request }, testInfo) => {
    await openStartedScenario(page, request, ID, "Publish status");
    const panel = page.getByTestId("broker-view");
    await expect(panel).toContainText("Redis");
    await expect(page.getByTestId("broker-view-reach")).toContainText("how many subscribers got it");
    await panel.getByRole("button", { name: "Cross-check" }).click();
    await expect(panel.getByRole("button", { name: "Cross-check on" })).toHaveAttribute("aria-pressed", "true");

    await page.getByRole("button", { name: "Publish status" }).click();
    const check = page.getByTestId("ledger-broker-check");
    await expect(check).toContainText("Confirmed by the broker: it saw all 1 message");
    await expect(page.getByTestId("broker-view-both").getByTestId("broker-view-value")).toHaveText("1");
    await expect(page.getByTestId("broker-view-broker-only").getByTestId("broker-view-value")).toHaveText("0");

    // A plain client on the scenario's channel: the broker carries it, no actor reports it.
    const hiddenId = `behind-their-backs-${Date.now()}`;
    const redis = new Redis(urls.redis);
    try {
      await redis.publish(namespace(NAMESPACE).redis(DRIVER_CHANNEL), JSON.stringify({ messageId: hiddenId, driverId: "driver-9", available: true }));
    } finally {
      redis.disconnect();
    }
    await expect(page.getByTestId("broker-view-broker-only").getByTestId("broker-view-value")).toHaveText("1");
    await expect(page.getByTestId("broker-view-broker-only-ids")).toContainText(hiddenId);
    await expect(page.getByTestId("broker-view-both").getByTestId("broker-view-value")).toHaveText("1");
    await expect(check).toContainText("The broker disagrees: the broker saw 1 publish no actor reported");
    await expect(check).toHaveAttribute("data-confirmed", "false");
    for (const scheme of ["light", "dark"] as const) {
      // The theme follows the system's as the page loads; the witness lives on in the server.
      await page.emulateMedia({ colorScheme: scheme });
      await page.reload();
      await expect(page.getByTestId("broker-view-broker-only").getByTestId("broker-view-value")).toHaveText("1");
      await panel.scrollIntoViewIfNeeded();
      await page.screenshot({ path: testInfo.outputPath(`broker-view-${scheme}.png`) });
    }

    // On stage the panel makes way; the ledger still says it, at the room's type size.
    await page.getByRole("heading", { level: 1 }).click();
    await page.keyboard.press("f");
    await expect(page.getByTestId("page-root")).toHaveAttribute("data-stage", "on");
    await expect(panel).toBeHidden();
    await expect(check).toBeVisible();
    // The graph re-fits to its stage layout before the type is measured where it is drawn.
    await page.waitForTimeout(800);
    await expectStageFloor(page);
    await page.screenshot({ path: testInfo.outputPath("broker-view-stage.png") });
    await page.keyboard.press("Escape");

    await panel.getByRole("button", { name: "Cross-check on" }).click();
    await expect(panel.getByTestId("broker-view-off")).toBeVisible();
    await expect(check).toBeHidden();
    await request.post(`/api/scenarios/${ID}/stop`);
  });
});
