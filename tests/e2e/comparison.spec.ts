import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { comparisonViewAt, parseComparisonRecording } from "../../lib/comparison-recording";
import { formatMs } from "../../lib/hops";

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
