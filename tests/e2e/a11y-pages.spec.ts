import { expect, test } from "@playwright/test";
import { expectNoSeriousViolations } from "./axe";

/**
 * Accessibility of the pages that need no broker (the catalogue, a comparison, the recordings,
 * the guide), in both themes. They run beside the live specs; the pages that run scenarios and
 * taps are checked in a11y.spec.ts.
 */
test.describe("axe on every page that needs no broker", () => {
  test.setTimeout(180_000);

  for (const scheme of ["light", "dark"] as const) {
    test(`in ${scheme} mode`, async ({ page, request }) => {
      await page.emulateMedia({ colorScheme: scheme });
      const comparisons = (await (await request.get("/api/comparisons")).json()) as { id: string }[];
      expect(comparisons.length).toBeGreaterThan(0);

      await page.goto("/");
      await expect(page.getByTestId("connection")).toHaveAttribute("data-status", "online");
      await expect(page.getByRole("link", { name: /Request \/ reply/ }).first()).toBeVisible();
      expect(await page.evaluate(() => document.documentElement.classList.contains("dark"))).toBe(scheme === "dark");
      await expectNoSeriousViolations(page, "the catalogue");

      await page.goto(`/compare/${comparisons[0]!.id}`);
      await expect(page.getByTestId("comparison")).toBeVisible();
      await expectNoSeriousViolations(page, "a comparison");
      await page.getByTestId("stage-button").click();
      await expect(page.getByTestId("page-root")).toHaveAttribute("data-stage", "on");
      await expectNoSeriousViolations(page, "a comparison on stage");
      await page.keyboard.press("Escape");

      await page.goto("/replay");
      await expect(page.getByTestId("connection")).toHaveAttribute("data-status", "online");
      await expectNoSeriousViolations(page, "the list of recordings");
      await page.goto(`/replay?recording=${encodeURIComponent("/recordings/rabbitmq-work-queue.ndjson")}&t=100000`);
      await expect(page.getByTestId("replay-bar")).toBeVisible();
      await expectNoSeriousViolations(page, "a replay");

      await page.goto("/guide");
      await expect(page.getByTestId("guide-tree")).toBeVisible();
      await expectNoSeriousViolations(page, "the guide");
    });
  }
});
