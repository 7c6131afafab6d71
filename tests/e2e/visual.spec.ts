import { expect, test, type Page } from "@playwright/test";
import { SHIPPED_COMPARISONS as comparisons, SHIPPED_RECORDINGS as recordings } from "./shipped";
import { expectStageFloor } from "./stage-text";

/**
 * Every scenario's and every comparison's picture, from the recording that ships with Hopscope,
 * frozen at its last hop: no broker and no clock is involved, so the frames are the same on every run.
 */

async function openFrozen(page: Page, path: string): Promise<void> {
  // Past the end: the replay clamps to its last hop and stays paused there.
  await page.goto(`/replay?recording=${encodeURIComponent(path)}&t=100000`);
  await expect(page.getByTestId("replay-bar")).toBeVisible();
  await page.evaluate(() => document.fonts.ready);
}

test.describe("visual regression", () => {
  test("ships a recording for every scenario", async ({ request }) => {
    const scenarios = (await (await request.get("/api/scenarios")).json()) as { id: string }[];
    expect(recordings.map((r) => r.id).sort()).toEqual(scenarios.map((s) => s.id).sort());
  });

  for (const { id, path } of recordings) {
    for (const scheme of ["light", "dark"] as const) {
      test(`${id} in ${scheme} mode`, async ({ page }) => {
        await page.emulateMedia({ colorScheme: scheme });
        await openFrozen(page, path);
        await expect(page.getByTestId("topology")).toHaveScreenshot(`${id}-${scheme}-topology.png`);
        await expect(page.getByTestId("sequence")).toHaveScreenshot(`${id}-${scheme}-sequence.png`);
      });
    }
  }

  test("ships a recording for every comparison", async ({ request }) => {
    const listed = (await (await request.get("/api/comparisons")).json()) as { id: string }[];
    const missing = listed.map((c) => c.id).filter((id) => !comparisons.some((shipped) => shipped.id === id));
    expect(missing, "comparisons without a recording in public/recordings/comparisons (run scripts/record-samples.ts)").toEqual([]);
    expect(comparisons.map((c) => c.id).sort()).toEqual(listed.map((c) => c.id).sort());
  });

  for (const { id, path } of comparisons) {
    for (const scheme of ["light", "dark"] as const) {
      test(`comparison ${id} in ${scheme} mode`, async ({ page }) => {
        await page.emulateMedia({ colorScheme: scheme });
        // Tall enough for the whole comparison: scrolled, the sticky header (live, and naming the
        // namespace) would cover part of the picture.
        await page.setViewportSize({ width: 1440, height: 2000 });
        await openFrozen(page, path);
        await expect(page.getByTestId("comparison")).toHaveScreenshot(`compare-${id}-${scheme}.png`, { mask: [page.getByTestId("recorded-at"), page.getByRole("banner")] });
      });
    }
  }

  for (const scheme of ["light", "dark"] as const) {
    test(`guide in ${scheme} mode`, async ({ page }) => {
      await page.emulateMedia({ colorScheme: scheme });
      // Tall enough that nothing scrolls under the sticky header.
      await page.setViewportSize({ width: 1440, height: 2400 });
      await page.goto("/guide");
      // Links name scenarios by their catalogue titles, which arrive with the connection.
      await expect(page.getByTestId("connection")).toHaveAttribute("data-status", "online");
      await page.evaluate(() => document.fonts.ready);
      // The measured figures are the machine's, not the picture: the tree and the table are.
      await expect(page.getByTestId("guide-tree")).toHaveScreenshot(`guide-${scheme}-tree.png`);
      await expect(page.getByTestId("guide-table")).toHaveScreenshot(`guide-${scheme}-table.png`);
      for (const label of ["No, it hands the message off", "No, once handled it is done", "One worker per message (a job)", "Yes, it must not be lost", "No, one queue of jobs", "We run Redis"])
        await page.getByTestId("guide-question").getByRole("button", { name: label, exact: true }).click();
      await expect(page.getByTestId("guide-tree")).toHaveScreenshot(`guide-${scheme}-leaf.png`);
    });
  }

  for (const scheme of ["light", "dark"] as const) {
    test(`stage mode at 1280×720 in ${scheme} mode`, async ({ page }) => {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width: 1280, height: 720 });
      await openFrozen(page, "/recordings/rabbitmq-work-queue.ndjson");
      await page.getByTestId("stage-button").click();
      await expect(page.getByTestId("page-root")).toHaveAttribute("data-stage", "on");
      // The graph re-fits to its stage layout with a short animation.
      await page.waitForTimeout(1000);
      await expectStageFloor(page);
      await expect(page).toHaveScreenshot(`stage-rabbitmq-work-queue-${scheme}.png`);
    });
  }

  // The widest comparison: four sides in one row, each with its whole ledger.
  for (const scheme of ["light", "dark"] as const) {
    test(`a comparison on stage at 1280×720 in ${scheme} mode`, async ({ page }) => {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width: 1280, height: 720 });
      await openFrozen(page, "/recordings/comparisons/work-queue-four-brokers.ndjson");
      await page.getByTestId("stage-button").click();
      await expect(page.getByTestId("page-root")).toHaveAttribute("data-stage", "on");
      await expectStageFloor(page, ["comparison", "comparison-result", "side-rabbitmq-work-queue", "side-redis-streams", "side-kafka-consumer-group", "side-nats-jetstream"]);
      await expect(page).toHaveScreenshot(`stage-compare-work-queue-four-brokers-${scheme}.png`);
    });
  }

  test("a presenter's split screen at 1280×720", async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 720 });
    await openFrozen(page, "/recordings/rabbitmq-work-queue.ndjson");
    // The header is live (connection, broker health, whose width changes with what they say), and
    // the recording date is not the picture.
    await expect(page).toHaveScreenshot("narrow-rabbitmq-work-queue.png", { mask: [page.getByRole("banner"), page.getByTestId("recorded-at"), page.getByRole("navigation", { name: "Scenarios" })] });
  });
});
