import { connect } from "amqplib";
import { expect, test, type Page } from "@playwright/test";
import { namespace } from "../../server/brokers/namespace";
import { createRedis } from "../../server/brokers/redis";
import { DLQ_STREAM, STREAM } from "../../server/scenarios/redis-streams/names";
import { loadConfig } from "../../server/config";
import { DEAD_LETTER_QUEUE, declareJobQueues, DLQ_CHANNEL_ID, JOB_CHANNEL_ID, JOB_QUEUE, RETRY_QUEUE } from "../../server/scenarios/rabbitmq-work-queue/names";
import { NAMESPACE, SCENARIO_START_MS } from "./servers";

const ID = "rabbitmq-work-queue";
const AMQP_URL = loadConfig(process.env).urls.rabbitmq;
const names = namespace(NAMESPACE);
/** Where the pictures of this spec go, to be looked at; not baselines. */
const SHOTS = "test-results/broker-insight";

/** The broker's own view of one of the scenario's queues, emptied first where asked. */
async function brokerQueue(queue: string, purge = false): Promise<number> {
  const connection = await connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    await declareJobQueues(channel, names);
    if (purge) await channel.purgeQueue(names.name(queue));
    return (await channel.checkQueue(names.name(queue))).messageCount;
  } finally {
    await connection.close();
  }
}

async function startFresh(page: Page, settings: Record<string, number>): Promise<void> {
  const { request } = page;
  await request.post(`/api/scenarios/${ID}/stop`);
  await brokerQueue(JOB_QUEUE, true);
  await brokerQueue(DEAD_LETTER_QUEUE, true);
  await page.goto(`/scenarios/${ID}`);
  await page.getByRole("button", { name: "Start scenario" }).click();
  await expect(page.getByRole("button", { name: "Send job" })).toBeVisible({ timeout: SCENARIO_START_MS });
  expect((await request.post(`/api/scenarios/${ID}/commands`, { data: { type: "set", ...settings } })).ok()).toBe(true);
  await request.post(`/api/scenarios/${ID}/commands`, { data: { type: "reset" } });
}

/** The page picks its theme once, at load; the toggle switches it after, as this does. */
async function setTheme(page: Page, scheme: "light" | "dark"): Promise<void> {
  await page.evaluate((dark) => document.documentElement.classList.toggle("dark", dark), scheme === "dark");
}

async function burst(page: Page, count: number): Promise<void> {
  await page.getByRole("spinbutton", { name: "Burst size" }).fill(String(count));
  await page.getByRole("button", { name: "Send burst" }).click();
}

// Pictures at 1280×720 as a projector shows them, with pixels enough to look at them closely.
test.use({ deviceScaleFactor: 3 });

// What these tests leave waiting or parked would reach the next spec's workers in this namespace.
test.afterEach(async ({ request }) => {
  await request.post(`/api/scenarios/${ID}/commands`, { data: { type: "set", delayMs: 0, failRate: 0, maxAttempts: 3, prefetch: 10 } });
  await request.post(`/api/scenarios/${ID}/stop`);
  for (const queue of [JOB_QUEUE, RETRY_QUEUE, DEAD_LETTER_QUEUE]) await brokerQueue(queue, true);
});

test("a queue's sparkline appears under it and moves while the queue fills; rates count the publishes", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  // Jobs that take a minute and one at a time per worker: whatever is published waits, ready.
  await startFresh(page, { delayMs: 60_000, prefetch: 1, failRate: 0 });

  const line = page.getByTestId(`sparkline-${JOB_CHANNEL_ID}-ready`).locator('[data-role="line"]');
  // A flat line has no height to be "visible" by: its row is, and the path is drawn.
  await expect(page.getByTestId(`sparklines-${JOB_CHANNEL_ID}`)).toBeVisible({ timeout: 10_000 });
  await expect(line).toHaveAttribute("d", /^M.* L/);
  await burst(page, 10);
  await expect(page.getByTestId("gauges-rabbitmq:emails")).toContainText("ready 8", { timeout: 10_000 });
  await expect(page.getByTestId("rate-published")).not.toHaveText("0");
  const before = await line.getAttribute("d");

  await burst(page, 10);
  await expect(page.getByTestId("gauges-rabbitmq:emails")).toContainText("ready 18", { timeout: 10_000 });
  // A second or two later the line has moved: new reads, higher up.
  await expect.poll(async () => line.getAttribute("d"), { timeout: 10_000 }).not.toBe(before);
  await expect(page.getByTestId(`sparklines-${JOB_CHANNEL_ID}`)).toContainText("≤18");
  // Nothing is delivered for a minute, nothing is acked; the rates say so rather than guess.
  await expect(page.getByTestId("rate-acked")).toHaveText("0");

  for (const scheme of ["light", "dark"] as const) {
    await setTheme(page, scheme);
    await page.evaluate(() => window.scrollTo(0, 0));
    const node = await page.getByTestId(`node-${JOB_CHANNEL_ID}`).boundingBox();
    const sparks = await page.getByTestId(`sparklines-${JOB_CHANNEL_ID}`).boundingBox();
    if (!node || !sparks) throw new Error("the node or its sparklines are not on screen");
    const pad = 16;
    const clip = { x: node.x - pad, y: node.y - pad, width: node.width + 2 * pad, height: sparks.y + sparks.height - node.y + 2 * pad };
    await page.screenshot({ path: `${SHOTS}/sparkline-${scheme}.png`, clip });
    await page.screenshot({ path: `${SHOTS}/topology-${scheme}.png` });
    await page.getByTestId("rates").scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/rates-${scheme}.png` });
  }
});

test("peek shows the dead-letter queue's poison jobs, and they stay in it", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await startFresh(page, { delayMs: 0, failRate: 1, maxAttempts: 1 });

  const published = await page.request.post(`/api/scenarios/${ID}/commands`, { data: { type: "publish", count: 3 } });
  const ids = ((await published.json()) as { result: { messageIds: string[] } }).result.messageIds;
  await expect(page.getByTestId("ledger-deadLettered").getByTestId("ledger-value")).toHaveText("3", { timeout: 15_000 });
  await expect(page.getByTestId(`gauges-${DLQ_CHANNEL_ID}`)).toContainText("parked 3", { timeout: 10_000 });

  await page.getByTestId("peek-dlq").click();
  const panel = page.getByTestId("peek-panel");
  await expect(panel).toBeVisible();
  await expect(panel.getByTestId("peek-summary")).toContainText("3 messages in the queue");
  const rows = panel.getByTestId("peek-row");
  await expect(rows).toHaveCount(3);
  // Two workers park them side by side, so the queue's order is theirs, not the publish order.
  expect((await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-message-id")))).sort()).toEqual([...ids].sort());
  await expect(rows.first()).toContainText("1 attempt");

  // Looked at, not taken: the broker still holds all three, and a second look finds them again.
  expect(await brokerQueue(DEAD_LETTER_QUEUE)).toBe(3);
  await panel.getByTestId("peek-refresh").click();
  await expect(rows).toHaveCount(3);
  await expect(panel.getByTestId("peek-refresh")).toHaveText("Read again");

  for (const scheme of ["light", "dark"] as const) {
    await setTheme(page, scheme);
    await page.screenshot({ path: `${SHOTS}/peek-${scheme}.png` });
  }
  await page.keyboard.press("Escape");
  await expect(panel).toBeHidden();
  expect(await brokerQueue(DEAD_LETTER_QUEUE)).toBe(3);
});

test("peek shows the entry a killed consumer left pending, idle and claimable: what XAUTOCLAIM takes next", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  const STREAMS = "redis-streams";
  const redis = createRedis({ url: loadConfig(process.env).urls.redis, name: "broker-insight-spec" });
  try {
    await page.request.post(`/api/scenarios/${STREAMS}/stop`);
    await redis.del(names.redis(STREAM));
    await page.goto(`/scenarios/${STREAMS}`);
    await page.getByRole("button", { name: "Start scenario" }).click();
    await expect(page.getByRole("button", { name: "Add task" })).toBeVisible({ timeout: SCENARIO_START_MS });
    // Every survivor stays busy for a minute, so nobody claims the victim's entry while we look.
    expect((await page.request.post(`/api/scenarios/${STREAMS}/commands`, { data: { type: "set", delayMs: 60_000, minIdleMs: 1_000, failRate: 0 } })).ok()).toBe(true);
    await page.request.post(`/api/scenarios/${STREAMS}/commands`, { data: { type: "publish", count: 3 } });
    const victim = "email-service-1";
    await expect(page.getByTestId(`gauges-${victim}`)).toContainText("pending 1", { timeout: 10_000 });
    await page.getByTestId(`node-${victim}`).getByRole("button", { name: `Kill ${victim}` }).click();
    await expect(page.getByTestId(`kill-cross-${victim}`)).toBeVisible();
    await page.waitForTimeout(1_500);

    await page.getByTestId("peek-stream").click();
    const panel = page.getByTestId("peek-panel");
    await expect(panel.getByTestId("peek-summary")).toContainText("3 entries in the stream");
    const left = panel.getByTestId("peek-pending").filter({ hasText: victim });
    await expect(left).toHaveCount(1);
    await expect(left).toContainText("claimable");
    // The live consumers renew theirs: held, not claimable.
    await expect(panel.getByTestId("peek-pending").filter({ hasText: "email-service-2" })).not.toContainText("claimable");
    for (const scheme of ["light", "dark"] as const) {
      await setTheme(page, scheme);
      await page.screenshot({ path: `${SHOTS}/peek-stream-${scheme}.png` });
    }
  } finally {
    await page.request.post(`/api/scenarios/${STREAMS}/stop`);
    // The victim's entry would stay pending, and be claimed by the next spec's consumers.
    await redis.del(names.redis(STREAM), names.redis(DLQ_STREAM));
    redis.disconnect();
  }
});
