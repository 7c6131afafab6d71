import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { GUIDE_LEAVES, GUIDE_ROOT, guideNode, formatMs, formatRate, type GuideAnswer } from "../../lib/guide";
import { measurementSetSchema, type MeasurementSet } from "../../lib/measurements";

/** The answers that lead from the root to a leaf, found in the tree rather than written down. */
function pathTo(leafId: string, from = GUIDE_ROOT): GuideAnswer[] | null {
  const node = guideNode(from);
  if (node.kind === "leaf") return node.id === leafId ? [] : null;
  for (const answer of node.answers) {
    const rest = pathTo(leafId, answer.next);
    if (rest) return [answer, ...rest];
  }
  return null;
}

async function answer(page: Page, leafId: string): Promise<void> {
  const path = pathTo(leafId);
  expect(path, leafId).not.toBeNull();
  for (const step of path ?? []) await page.getByTestId("guide-question").getByRole("button", { name: step.label, exact: true }).click();
}

for (const scheme of ["light", "dark"] as const) {
  test(`the guide renders in ${scheme} mode`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto("/guide");
    await expect(page.getByRole("heading", { level: 1, name: "When to use what" })).toBeVisible();
    if (scheme === "dark") await expect(page.locator("html")).toHaveClass(/\bdark\b/);
    else await expect(page.locator("html")).not.toHaveClass(/\bdark\b/);
    const root = guideNode(GUIDE_ROOT);
    await expect(page.getByTestId("guide-question")).toContainText(root.kind === "question" ? root.text : "a question");
    await expect(page.getByTestId("guide-table").getByRole("row")).toHaveCount(11);
    await expect(page.getByTestId("measured")).toBeVisible();
    // Readable from the back of a room: nothing in the guide's body text below 16 px.
    const smallest = await page.getByTestId("guide").evaluate((root) => {
      const sizes = [...root.querySelectorAll("p, td, th, button, a, li")].filter((el) => el.textContent?.trim()).map((el) => parseFloat(getComputedStyle(el).fontSize));
      return Math.min(...sizes);
    });
    expect(smallest).toBeGreaterThanOrEqual(16);
  });
}

test("the home page and the header lead to the guide", async ({ page }) => {
  await page.goto("/");
  await page.getByTestId("guide-link").click();
  await expect(page).toHaveURL(/\/guide$/);
  await expect(page.getByRole("banner").getByRole("link", { name: "When to use what" })).toHaveAttribute("aria-current", "page");
});

test("answering step by step reaches a leaf whose Open scenario lands on that scenario", async ({ page }) => {
  const leaf = GUIDE_LEAVES.find((l) => l.id === "rabbitmq-exchanges");
  expect(leaf).toBeDefined();
  const steps = pathTo("rabbitmq-exchanges") ?? [];
  await page.goto("/guide");
  await answer(page, "rabbitmq-exchanges");
  await expect(page.getByTestId("guide-recommendation")).toHaveText(leaf?.recommendation ?? "");
  await expect(page.getByTestId("guide-breadcrumb").getByRole("button")).toHaveText(steps.map((s) => s.label));

  // Back returns to the last question; an answer in the breadcrumb reopens its question.
  await page.getByRole("button", { name: "← Back" }).click();
  await expect(page.getByTestId("guide-leaf")).toHaveCount(0);
  await expect(page.getByTestId("guide-question").getByRole("button", { name: steps.at(-1)?.label ?? "", exact: true })).toBeVisible();
  await page.getByTestId("guide-breadcrumb").getByRole("button", { name: steps[0]?.label ?? "", exact: true }).click();
  await expect(page.getByTestId("guide-breadcrumb").getByRole("button")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Start over" })).toBeDisabled();

  await answer(page, "rabbitmq-exchanges");
  await page.getByRole("link", { name: /^Open scenario/ }).click();
  await expect(page).toHaveURL(/\/scenarios\/rabbitmq-exchanges$/);
  await expect(page.getByRole("button", { name: "Start scenario" })).toBeVisible();
});

test("a leaf with a comparison opens it side by side", async ({ page }) => {
  const leaf = GUIDE_LEAVES.find((l) => l.id === "redis-streams");
  await page.goto("/guide");
  await answer(page, "redis-streams");
  await page.getByRole("link", { name: /^Compare:/ }).click();
  await expect(page).toHaveURL(new RegExp(`/compare/${leaf?.comparisonId}$`));
});

test("the measured table shows the figures of the set it names", async ({ page, request }) => {
  // The latest run if the server has one, else the shipped set: the page says which it shows.
  const api = await request.get("/api/measurements");
  const overview = api.ok() ? ((await api.json()) as { result: { shipped: MeasurementSet | null; latest: MeasurementSet | null } }).result : null;
  const shipped = measurementSetSchema.parse(JSON.parse(readFileSync("public/measurements/dev-machine.json", "utf8")));
  const set = overview?.latest ?? overview?.shipped ?? shipped;
  const source = overview?.latest ? "latest" : "shipped";

  await page.goto("/guide");
  await expect(page.getByTestId("measured-source")).toHaveAttribute("data-source", source);
  await expect(page.getByTestId("measured-source")).toContainText(`${set.machine.cores} cores`);
  await expect(page.getByTestId("measured-source")).toContainText(set.machine.cpu);
  for (const result of set.results) {
    const row = page.getByTestId(`measured-${result.id}`);
    await expect(row.getByTestId("p50")).toHaveText(result.latency ? formatMs(result.latency.p50Ms) : "—");
    await expect(row.getByTestId("p99")).toHaveText(result.latency ? formatMs(result.latency.p99Ms) : "—");
    await expect(row.getByTestId("rate")).toHaveText(result.throughput ? formatRate(result.throughput.messagesPerSecond) : "—");
    if (result.error) await expect(row.getByTestId("measure-row-error")).toHaveText(result.error);
  }
  // Kafka's "millions" is a cluster's figure: with a throughput measured, the page says one machine cannot judge it.
  const kafka = set.results.find((r) => r.id === "kafka");
  if (kafka?.throughput && kafka.throughput.messagesPerSecond < 1_000_000) await expect(page.getByTestId("measured-kafka").locator('[data-outcome="cannot-judge"]')).toBeVisible();
});

test("a short measure run against the real brokers shows its progress, then fills the table", async ({ page, request }) => {
  test.setTimeout(120_000);
  await page.goto("/guide");
  await expect(page.getByTestId("measured-table")).toBeVisible();
  // Short, so the test stays short: the button starts the two-minute default.
  const started = await request.post("/api/measurements", { data: { latencySeconds: 0.5, throughputSeconds: 0.5, latencyRate: 100, only: ["nats-request-reply", "redis-pubsub", "rabbitmq"] } });
  expect(started.status()).toBe(202);
  // The button, while that run goes, follows it instead of starting another.
  await page.getByRole("button", { name: /Measure on this machine/ }).click();
  await expect(page.getByTestId("measure-notice")).toContainText("already going");
  await expect(page.getByTestId("measure-progress")).toBeVisible();
  await expect(page.getByTestId("measured-source")).toHaveAttribute("data-source", "latest", { timeout: 90_000 });

  const run = (await (await request.get("/api/measurements/run")).json()) as { result: { state: string; result?: MeasurementSet } };
  expect(run.result.state).toBe("done");
  const measured = measurementSetSchema.parse(run.result.result);
  expect(measured.results.map((r) => r.id).sort()).toEqual(["nats-request-reply", "rabbitmq", "redis-pubsub"]);
  for (const result of measured.results) {
    expect(result.latency?.p50Ms, result.id).toBeGreaterThan(0);
    const row = page.getByTestId(`measured-${result.id}`);
    await expect(row.getByTestId("p50")).toHaveText(formatMs(result.latency?.p50Ms ?? 0));
    await expect(row.getByTestId("rate")).toHaveText(result.throughput ? formatRate(result.throughput.messagesPerSecond) : "—");
  }
});
