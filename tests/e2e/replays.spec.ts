import { expect, test } from "@playwright/test";
import { SHIPPED_COMPARISONS, SHIPPED_RECORDINGS } from "./shipped";
import { comparisonStageParts, expectStageFloor } from "./stage-text";

/**
 * Every shipped recording on stage at 1280×720, replayed without brokers: nothing the room reads
 * under 16 px, nothing to scroll. These touch no broker, so they run beside the live specs.
 */
test.describe("recordings on stage", () => {
  test.use({ viewport: { width: 1280, height: 720 } });

  // Every shipped recording, replayed without brokers: each picture on stage, the biggest included.
  for (const { id, path } of SHIPPED_RECORDINGS) {
    test(`the floor holds for ${id} replayed on stage, and its lanes fit the width`, async ({ page }) => {
      await page.goto(`/replay?recording=${encodeURIComponent(path)}&t=100000`);
      await expect(page.getByTestId("replay-bar")).toBeVisible();
      await page.getByRole("heading", { level: 1 }).click();
      await page.keyboard.press("f");
      await expect(page.getByTestId("page-root")).toHaveAttribute("data-stage", "on");
      await page.waitForTimeout(800);
      await expectStageFloor(page);
      // The room cannot scroll sideways: every lane of the sequence is on screen.
      const scroller = page.getByTestId("sequence").locator(".overflow-auto");
      expect(await scroller.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(1);
    });
  }

  test("every comparison shipped, replayed on stage, fits 1280×720 with nothing under 16 px", async ({ page, request }) => {
    const listed = ((await (await request.get("/api/comparisons")).json()) as { id: string; sides: { scenarioId: string }[] }[]).map((c) => ({ id: c.id, sides: c.sides.map((s) => s.scenarioId) }));
    expect(listed.map((c) => c.id).sort()).toEqual(SHIPPED_COMPARISONS.map((c) => c.id).sort());
    for (const { id, sides } of listed) {
      const { path } = SHIPPED_COMPARISONS.find((c) => c.id === id)!;
      await page.goto(`/replay?recording=${encodeURIComponent(path)}&t=100000`);
      await expect(page.getByTestId("comparison")).toHaveAttribute("data-comparison", id);
      const root = page.getByTestId("page-root");
      // The tab stays on stage from one recording to the next.
      if ((await root.getAttribute("data-stage")) !== "on") {
        await page.getByRole("heading", { level: 1 }).click();
        await page.keyboard.press("f");
      }
      await expect(root).toHaveAttribute("data-stage", "on");
      await expect(page.getByTestId("replay-bar")).toBeHidden();
      await expectStageFloor(page, comparisonStageParts(sides));
      const overflow = await page.evaluate(() => ({ x: document.documentElement.scrollWidth - innerWidth, y: document.documentElement.scrollHeight - innerHeight }));
      expect(overflow, `${id} scrolls`).toEqual({ x: 0, y: 0 });
      const table = page.getByTestId("comparison-table").locator("..");
      expect(await table.evaluate((el) => el.scrollWidth - el.clientWidth), `${id}'s table scrolls sideways`).toBeLessThanOrEqual(1);
    }

    // A replay's keys are its clock's, and the list says so.
    await page.getByRole("heading", { level: 1 }).click();
    await page.keyboard.press("?");
    const overlay = page.getByRole("dialog", { name: "Keyboard shortcuts" });
    expect(await overlay.getByTestId("shortcut").evaluateAll((items) => items.map((item) => item.getAttribute("data-action")))).toEqual(["pause", "step", "stage", "help"]);
    await page.keyboard.press("Escape");
    await page.keyboard.press("Escape");
    await expect(page.getByTestId("page-root")).not.toHaveAttribute("data-stage", "on");
    await expect(page.getByTestId("replay-position")).not.toHaveText(/^0\.0 s/);
    // Back to the start, then P plays it: the clock moves.
    await page.getByLabel("Position in the recording").fill("0");
    await expect(page.getByTestId("replay-position")).toHaveText(/^0\.0 s/);
    await page.getByRole("heading", { level: 1 }).click();
    await page.keyboard.press("p");
    await expect(page.getByTestId("replay-position")).not.toHaveText(/^0\.0 s/);
  });
});
