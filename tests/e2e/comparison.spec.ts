import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { comparisonViewAt, parseComparisonRecording } from "../../lib/comparison-recording";
import { formatMs } from "../../lib/hops";
import { SCENARIO_START_MS } from "./servers";
import { comparisonStageParts, expectStageFloor } from "./stage-text";

const ID = "redis-pubsub-vs-kafka";
const SIDES = ["redis-driver-status", "kafka-driver-status"];

test("a comparison page shows every side, acts on all of them at once, fills its table from the run, and records it to replay without brokers", async ({ page, request }) => {
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
  await page.getByRole("button", { name: "● Record" }).click();
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

  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "■ Stop and save" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(new RegExp(`^${ID}-.*\\.ndjson$`));
  await request.post(`/api/comparisons/${ID}/stop`);
  const parsed = parseComparisonRecording(readFileSync(await file.path(), "utf8"));
  if (!parsed.ok) throw new Error(parsed.error);
  const { recording } = parsed;
  const durationMs = recording.hops.at(-1)!.at - recording.hops[0]!.at;
  const end = comparisonViewAt(recording, durationMs);

  // Offline: the table is computed in the browser from the recorded hops.
  await page.goto("/replay");
  await page.getByLabel("Recording file").setInputFiles(await file.path());
  await expect(page.getByTestId("replay-bar")).toBeVisible();
  await page.getByLabel("Position in the recording").fill(String(Math.ceil(durationMs)));
  await expect(page.getByTestId("replay-hops")).toHaveText(`${recording.hops.length} of ${recording.hops.length} hops`);
  for (const { summary } of end.sides) {
    const row = page.getByTestId(`row-${summary.scenarioId}`);
    await expect(row.getByTestId("held")).toHaveText(String(summary.held));
    await expect(row.getByTestId("recovery")).toHaveText(summary.recoveryMs === null ? /waiting|held nothing/ : formatMs(summary.recoveryMs));
    await expect(row.getByTestId("dropped")).toHaveText(String(summary.dropped));
    await expect(page.getByTestId(`side-${summary.scenarioId}`).getByTestId("ledger-published").getByTestId("ledger-value")).toHaveText("15");
  }
  await expect(page.getByTestId("row-redis-driver-status").getByTestId("missed")).toHaveText("5 (at-most-once, expected)");

  // Back before the kill, the table has no victim yet.
  const killedAt = Math.min(...end.sides.map((s) => s.summary.killedAt ?? Infinity)) - recording.hops[0]!.at;
  await page.getByLabel("Position in the recording").fill(String(Math.floor(killedAt) - 1));
  for (const side of SIDES) await expect(page.getByTestId(`row-${side}`).getByTestId("fates")).toHaveText("no kill yet");
});

/** What each side's ledger says it published. */
const publishedOn = (page: Page, side: string) => page.getByTestId(`side-${side}`).getByTestId("ledger-published").getByTestId("ledger-value");


test.describe("a comparison on stage", () => {
  test.use({ viewport: { width: 1280, height: 720 } });

  test("its keys do what its buttons do on every side, none fires from the burst field, ? lists only them, and on stage nothing the room reads is under 16 px", async ({ page, request }, testInfo) => {
    test.setTimeout(120_000);
    const id = "queue-group-vs-jetstream";
    const sides = ["nats-queue-group", "nats-jetstream"];
    const root = page.getByTestId("page-root");
    await request.post(`/api/comparisons/${id}/stop`);
    await page.goto(`/compare/${id}`);
    await expect(page.getByRole("heading", { name: "Queue group vs JetStream" })).toBeVisible();
    await expect(page.getByTestId("connection")).toHaveText("live · presenter");

    // Before the start there is nothing to send to, and the key says so rather than doing nothing.
    await page.getByRole("heading", { level: 1 }).click();
    await page.keyboard.press("s");
    await expect(page.getByRole("status")).toHaveText("Start every side first, then send.");

    await page.getByRole("button", { name: "Start every side" }).click();
    const burstButton = page.getByRole("button", { name: "Publish to every side" });
    await expect(burstButton).toBeVisible({ timeout: SCENARIO_START_MS });
    await page.getByRole("button", { name: "Reset" }).click();
    for (const side of sides) await expect(publishedOn(page, side)).toHaveText("0");

    // Each button names its key, as on a scenario page.
    const keyed = { "Send one": "S", "Publish to every side": "B", "Kill one on every side": "K", "+ Add one on every side": "A" };
    for (const [name, key] of Object.entries(keyed)) {
      const button = page.getByRole("button", { name, exact: true });
      await expect(button).toHaveAttribute("aria-keyshortcuts", key);
      await expect(button).toHaveAttribute("title", new RegExp(`\\(${key}\\)$`));
    }

    // Typing in the burst field, every key is the field's.
    const field = page.getByRole("spinbutton", { name: "Messages per side" });
    await field.fill("7");
    for (const key of ["s", "b", "k", "a", "f", "?"]) await field.press(key);
    await expect(field).toHaveValue("7");
    await expect(root).not.toHaveAttribute("data-stage", "on");
    await expect(page.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeHidden();
    await expect(page.getByTestId(`side-${sides[0]}`)).toContainText("0 killed");
    // The server's view, a second after: no publish got through to any side.
    await page.waitForTimeout(1_500);
    for (const side of sides) await expect(publishedOn(page, side)).toHaveText("0");

    await page.getByRole("heading", { level: 1 }).click();
    await page.keyboard.press("s");
    for (const side of sides) await expect(publishedOn(page, side)).toHaveText("1");
    await expect(page.getByRole("status")).toHaveText("publish: done on every side");
    await page.keyboard.press("b");
    for (const side of sides) await expect(publishedOn(page, side)).toHaveText("8");
    await page.keyboard.press("k");
    await expect(page.getByRole("status")).toHaveText("kill: done on every side");
    for (const side of sides) {
      await expect(page.getByTestId(`side-${side}`)).toContainText("1 killed");
      await expect(page.getByTestId(`row-${side}`).getByTestId("fates")).not.toHaveText("no kill yet");
    }
    const alive = async (side: string) => Number(/(\d+) live/.exec((await page.getByTestId(`side-${side}`).textContent()) ?? "")?.[1]);
    const before = await Promise.all(sides.map(alive));
    await page.keyboard.press("a");
    await expect(page.getByRole("status")).toHaveText("add: done on every side");
    for (const [i, side] of sides.entries()) await expect.poll(() => alive(side)).toBe(before[i]! + 1);

    // The list names this page's keys in its words, and none it does not have.
    await page.keyboard.press("?");
    const overlay = page.getByRole("dialog", { name: "Keyboard shortcuts" });
    await expect(overlay).toBeVisible();
    await expect(overlay.getByTestId("shortcut")).toHaveCount(6);
    expect(await overlay.getByTestId("shortcut").evaluateAll((items) => items.map((item) => item.getAttribute("data-action")))).toEqual(["send", "burst", "kill", "add", "stage", "help"]);
    await expect(overlay.locator('[data-action="kill"]')).toContainText("Kill one on every side");
    await page.keyboard.press("Escape");
    await expect(overlay).toBeHidden();

    await page.keyboard.press("f");
    await expect(root).toHaveAttribute("data-stage", "on");
    await expect(page.getByRole("navigation", { name: "Scenarios" })).toBeHidden();
    await expect(burstButton).toBeHidden();
    // On stage the keys still drive every side.
    await page.keyboard.press("s");
    for (const side of sides) await expect(publishedOn(page, side)).toHaveText("9");
    await expectStageFloor(page, comparisonStageParts(sides));
    expect(await page.evaluate(() => document.documentElement.scrollWidth - innerWidth)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: testInfo.outputPath("comparison-stage-live.png") });

    await page.keyboard.press("Escape");
    await expect(root).not.toHaveAttribute("data-stage", "on");
    await expect(burstButton).toBeVisible();
    await request.post(`/api/comparisons/${id}/stop`);
  });
});
