import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

/** axe on the page as it is now: nothing serious or critical, each finding named with its nodes. */
export async function expectNoSeriousViolations(page: Page, what: string) {
  // Let entrance animations (arrows fading in) finish: axe reads colours as they are now.
  await page.waitForTimeout(700);
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes
      .slice(0, 12)
      .map((n) => `    ${n.target.join(" ")}  ${n.failureSummary?.split("\n").slice(1, 2).join("") ?? ""}`)
      .join("\n")}`);
  // Soft: one run reports every page's findings, not just the first page's.
  expect.soft(serious, `${what}: serious or critical axe violations`).toEqual([]);
}
