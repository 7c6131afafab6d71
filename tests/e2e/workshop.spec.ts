import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { durationOf, ledgerAt, parseRecording } from "../../lib/recording";

const SAMPLE = "/recordings/nats-queue-group.ndjson";

function sample() {
  const parsed = parseRecording(readFileSync(`public${SAMPLE}`, "utf8"));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.recording;
}

test("a deep link opens a recording at a moment, and replay steps hop by hop to the recorded ledger", async ({ page }) => {
  const recording = sample();
  const middle = durationOf(recording) / 2;
  await page.goto(`/replay?recording=${encodeURIComponent(SAMPLE)}&t=${(middle / 1000).toFixed(3)}`);
  await expect(page.getByTestId("replay-bar")).toBeVisible();
  const shownAt = recording.hops.filter((h) => h.at - recording.hops[0]!.at <= middle).length;
  await expect(page.getByTestId("replay-hops")).toHaveText(`${shownAt} of ${recording.hops.length} hops`);
  const expected = ledgerAt(recording, middle);
  await expect(page.getByTestId("ledger-published").getByTestId("ledger-value")).toHaveText(String(expected.published));
  await expect(page.getByTestId("ledger-completed").getByTestId("ledger-value")).toHaveText(String(expected.completed));

  // One step shows exactly one more hop.
  await page.getByRole("button", { name: "Next hop" }).click();
  await expect(page.getByTestId("replay-hops")).toHaveText(`${shownAt + 1} of ${recording.hops.length} hops`);

  // At the end, the ledger is the one the live run had when it was recorded.
  await page.getByLabel("Position in the recording").fill(String(Math.round(durationOf(recording))));
  const live = recording.header.state.ledger;
  for (const key of ["published", "completed", "dropped", "lost"] as const) {
    await expect(page.getByTestId(`ledger-${key}`).getByTestId("ledger-value")).toHaveText(String(live[key]));
  }
  await expect(page.getByTestId("sequence").locator('[data-testid="arrow"][data-kind="dropped"]').first()).toBeVisible();
});

test("a broken recording file gets a clear error", async ({ page }) => {
  await page.goto("/replay");
  await page.getByLabel("Recording file").setInputFiles({ name: "broken.ndjson", mimeType: "application/x-ndjson", buffer: Buffer.from('{"format":"hopscope-recording","v":2}\n{oops\n') });
  await expect(page.getByTestId("replay-error")).toContainText("broken.ndjson: line 1:");
  await page.goto("/replay?recording=https%3A%2F%2Fexample.com%2Fx.ndjson");
  await expect(page.getByTestId("replay-error")).toContainText("is not a path on this server");
});

test("the sequence exports as valid SVG and as Mermaid that Mermaid itself parses", async ({ page }) => {
  await page.goto(`/replay?recording=${encodeURIComponent(SAMPLE)}&t=999`);
  await expect(page.getByTestId("replay-bar")).toBeVisible();
  const svgDownload = page.waitForEvent("download");
  await page.getByTestId("export").getByRole("button", { name: "SVG" }).click();
  const svg = readFileSync(await (await svgDownload).path(), "utf8");
  const problems = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, "image/svg+xml");
    return { error: doc.querySelector("parsererror")?.textContent ?? null, root: doc.documentElement.nodeName, arrows: doc.querySelectorAll("polygon").length };
  }, svg);
  expect(problems.error).toBeNull();
  expect(problems.root).toBe("svg");
  expect(problems.arrows).toBeGreaterThan(0);

  const mmdDownload = page.waitForEvent("download");
  await page.getByTestId("export").getByRole("button", { name: "Mermaid" }).click();
  const mermaidText = readFileSync(await (await mmdDownload).path(), "utf8");
  expect(mermaidText.startsWith("sequenceDiagram\n")).toBe(true);
  // Mermaid's own parser, from the local package: no network.
  await page.addScriptTag({ path: "node_modules/mermaid/dist/mermaid.min.js" });
  const verdict = await page.evaluate(async (text) => {
    const m = (window as unknown as { mermaid: { parse: (t: string) => Promise<unknown> } }).mermaid;
    try {
      await m.parse(text);
      return "ok";
    } catch (error) {
      return String(error);
    }
  }, mermaidText);
  expect(verdict).toBe("ok");
  // A broken diagram is refused by the same check, so the check can fail.
  const refused = await page.evaluate(async () => {
    const m = (window as unknown as { mermaid: { parse: (t: string) => Promise<unknown> } }).mermaid;
    return m.parse("sequenceDiagram\n    A->>: no target").then(() => "ok", () => "refused");
  });
  expect(refused).toBe("refused");

  const pngDownload = page.waitForEvent("download");
  await page.getByTestId("export").getByRole("button", { name: "PNG" }).click();
  const png = readFileSync(await (await pngDownload).path());
  expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
});

test("paused, the picture holds still while hops arrive; a step shows the next one", async ({ page, request }) => {
  const id = "nats-request-reply";
  await request.post(`/api/scenarios/${id}/start`);
  await page.goto(`/scenarios/${id}`);
  await expect(page.getByRole("button", { name: "Send request" })).toBeVisible();
  await request.post(`/api/scenarios/${id}/commands`, { data: { type: "reset" } });
  await page.getByRole("button", { name: "❚❚ pause" }).click();
  await page.getByRole("button", { name: "0.25×" }).click();
  await request.post(`/api/scenarios/${id}/commands`, { data: { type: "publish", count: 2 } });
  const arrows = page.getByTestId("sequence").locator('[data-testid="arrow"]');
  await expect(page.getByTestId("lag")).toContainText(/hops? waiting/);
  await expect(arrows).toHaveCount(0);
  await page.getByRole("button", { name: "step ›" }).click();
  await expect(arrows).toHaveCount(1);
  await page.getByRole("button", { name: "step ›" }).click();
  await expect(arrows).toHaveCount(2);
  await page.getByRole("button", { name: "jump to now" }).click();
  await expect(arrows).not.toHaveCount(2);
  await expect(page.getByTestId("lag")).toHaveCount(0);
});

test("a presenter records a run and gets an NDJSON file that replays", async ({ page, request }) => {
  const id = "nats-request-reply";
  await request.post(`/api/scenarios/${id}/start`);
  await page.goto(`/scenarios/${id}`);
  await expect(page.getByRole("button", { name: "Send request" })).toBeVisible();
  await page.getByRole("button", { name: "● Record" }).click();
  await page.getByRole("button", { name: "Send request" }).click();
  await expect(page.getByTestId("recorder")).toContainText(/recording · [1-9]\d* hops/);
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "■ Stop and save" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^nats-request-reply-.*\.ndjson$/);
  const parsed = parseRecording(readFileSync(await file.path(), "utf8"));
  if (!parsed.ok) throw new Error(parsed.error);
  expect(parsed.recording.hops.some((h) => h.kind === "published")).toBe(true);

  await page.goto("/replay");
  await page.getByLabel("Recording file").setInputFiles(await file.path());
  await expect(page.getByTestId("replay-bar")).toBeVisible();
  await expect(page.getByTestId("replay-hops")).toContainText(`of ${parsed.recording.hops.length} hops`);
});
