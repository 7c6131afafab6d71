/**
 * Takes screenshots of a running Hopscope with the system Chromium, for the README and for
 * looking at what a change did: each scenario as its demo storyline leaves it, one in dark mode,
 * a replay and the home page. Usage: tsx scripts/screenshot.ts [baseUrl] [outDir] [shot,shot...]
 * (shots: any scenario or comparison id, dark, replay, home; default all).
 */
import { chromium, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { COMPARISONS } from "../lib/comparisons";
import { SCENARIOS } from "../server/scenarios";
import type { ScenarioDefinition } from "../server/scenarios/model";
import { CHROMIUM_ARGS, chromiumPath } from "./chromium";
import { apiAt, playComparisonDemo, playDemo } from "./demo";

const base = process.argv[2] ?? "http://127.0.0.1:3000";
const out = process.argv[3] ?? "docs";
const only = process.argv[4]?.split(",");
const wanted = (shot: string) => !only || only.includes(shot);
const api = apiAt(base);

type Browser = Awaited<ReturnType<typeof chromium.launch>>;

/**
 * The arrows that tell each story's lesson, most telling first: the one opened in the trace card.
 * A gRPC call's lesson is its second attempt, after its server died.
 */
const TELLING_ARROWS = ["redelivered", "requeued", "claimed", "retry", "dead-lettered"].map((kind) => `[data-kind="${kind}"]`).concat('[data-caption="status OK #2"]', '[data-kind="published"]');

async function openTellingArrow(page: Page): Promise<void> {
  for (const selector of TELLING_ARROWS) {
    const arrow = page.locator(`[data-testid="arrow"]${selector}`).first();
    if (await arrow.count()) {
      await arrow.click();
      await page.waitForTimeout(400);
      // The click scrolls the page to the arrow; the picture is the top of the page.
      await page.evaluate(() => window.scrollTo(0, 0));
      return;
    }
  }
}

async function scenarioShot(browser: Browser, scenario: ScenarioDefinition, theme: "light" | "dark", file: string): Promise<void> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: theme, deviceScaleFactor: 1 });
  await page.goto(`${base}/scenarios/${scenario.info.id}`);
  await playDemo(api, scenario);
  await openTellingArrow(page);
  await page.screenshot({ path: `${out}/${file}.png` });
  await api.call("POST", `/api/scenarios/${scenario.info.id}/stop`);
  await page.close();
  console.log(`  ${out}/${file}.png`);
}

/** A comparison after one publish and one kill on every side, once every side has recovered. */
async function comparisonShot(browser: Browser, id: string): Promise<void> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1 });
  await page.goto(`${base}/compare/${id}`);
  await playComparisonDemo(api, id, { count: 100, killAfterMs: 3_000 });
  // The page reads the comparison once a second.
  await page.waitForTimeout(2_000);
  await page.screenshot({ path: `${out}/${id}.png` });
  await api.call("POST", `/api/comparisons/${id}/stop`);
  await page.close();
  console.log(`  ${out}/${id}.png`);
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  try {
    for (const scenario of SCENARIOS) if (wanted(scenario.info.id)) await scenarioShot(browser, scenario, "light", scenario.info.id);
    const first = SCENARIOS[0];
    if (first && wanted("dark")) await scenarioShot(browser, first, "dark", `${first.info.id}-dark`);
    if (wanted("replay")) {
      const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1 });
      await page.goto(`${base}/replay?recording=${encodeURIComponent("/recordings/nats-jetstream.ndjson")}&t=3.5`);
      await page.getByTestId("replay-bar").waitFor();
      await page.waitForTimeout(1200);
      await page.screenshot({ path: `${out}/replay.png` });
      await page.close();
    }
    for (const comparison of COMPARISONS) if (wanted(comparison.id)) await comparisonShot(browser, comparison.id);
    if (wanted("home")) {
      const home = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      await home.goto(base);
      await home.waitForTimeout(800);
      await home.screenshot({ path: `${out}/home.png` });
      await home.close();
    }
  } finally {
    await browser.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
