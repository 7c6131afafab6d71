/**
 * Takes screenshots of a running Hopscope with the system Chromium, for the README and for
 * looking at what a change did. Usage: tsx scripts/screenshot.ts [baseUrl] [outDir] [shot,shot...]
 * (shots: scenario, job-queue, exchanges, streams, kafka, jetstream, replay, home; default all).
 */
import { chromium } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { CHROMIUM_ARGS, chromiumPath } from "./chromium";

const base = process.argv[2] ?? "http://127.0.0.1:3000";
const out = process.argv[3] ?? "docs";
const scenario = "nats-request-reply";
const only = process.argv[4]?.split(",");
const wanted = (shot: string) => !only || only.includes(shot);

async function post(path: string, body: unknown = {}): Promise<void> {
  const res = await fetch(base + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}

type Browser = Awaited<ReturnType<typeof chromium.launch>>;

async function getJson<T>(path: string): Promise<T> {
  return (await (await fetch(base + path)).json()) as T;
}

/** A worker killed while it holds jobs, and a failing job on its way to the dead-letter queue. */
async function jobQueue(browser: Browser): Promise<void> {
  const id = "rabbitmq-work-queue";
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1 });
  await post(`/api/scenarios/${id}/stop`);
  await page.goto(`${base}/scenarios/${id}`);
  await post(`/api/scenarios/${id}/start`);
  await post(`/api/scenarios/${id}/commands`, { type: "reset" });
  await post(`/api/scenarios/${id}/commands`, { type: "set", delayMs: 500, prefetch: 3, failRate: 0.3, maxAttempts: 2 });
  await page.getByRole("button", { name: "Send job" }).waitFor();
  await post(`/api/scenarios/${id}/commands`, { type: "publish", count: 6 });
  await page.waitForTimeout(900);
  const state = await getJson<{ actors: { id: string; role: string; alive: boolean }[] }>(`/api/scenarios/${id}/state`);
  const victim = state.actors.find((a) => a.role === "worker" && a.alive);
  if (victim) await post(`/api/scenarios/${id}/commands`, { type: "kill-actor", actorId: victim.id });
  await page.waitForTimeout(5000);
  const redelivery = page.locator('[data-testid="arrow"][data-kind="redelivered"]').first();
  if (await redelivery.count()) await redelivery.click();
  await page.waitForTimeout(400);
  await page.screenshot({ path: `${out}/job-queue.png` });
  await post(`/api/scenarios/${id}/commands`, { type: "set", failRate: 0 });
  await page.close();
}

/** A topic publish fanning out to the queues whose bindings match, with the reasons. */
async function exchanges(browser: Browser): Promise<void> {
  const id = "rabbitmq-exchanges";
  const page = await browser.newPage({ viewport: { width: 1440, height: 1100 }, deviceScaleFactor: 1 });
  await post(`/api/scenarios/${id}/stop`);
  await page.goto(`${base}/scenarios/${id}`);
  await post(`/api/scenarios/${id}/start`);
  await post(`/api/scenarios/${id}/commands`, { type: "reset" });
  await page.getByRole("button", { name: "Publish", exact: true }).waitFor();
  await page.getByLabel("Routing key", { exact: true }).fill("orders.us.created");
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await page.waitForTimeout(600);
  await page.getByLabel("Exchange", { exact: true }).selectOption("orders.direct");
  await page.getByLabel("Routing key", { exact: true }).fill("refunded");
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await page.waitForTimeout(4500);
  await page.locator('[data-testid="arrow"][data-kind="published"]').first().click();
  await page.waitForTimeout(400);
  await page.screenshot({ path: `${out}/exchanges.png` });
  await page.close();
}

/** A stream consumer killed while it holds an entry, and the claim by another of its group. */
async function streams(browser: Browser): Promise<void> {
  const id = "redis-streams";
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1 });
  await post(`/api/scenarios/${id}/stop`);
  await page.goto(`${base}/scenarios/${id}`);
  await post(`/api/scenarios/${id}/start`);
  await post(`/api/scenarios/${id}/commands`, { type: "reset" });
  await post(`/api/scenarios/${id}/commands`, { type: "set", delayMs: 700, failRate: 0, minIdleMs: 1000 });
  await page.getByRole("button", { name: "Add task" }).waitFor();
  await post(`/api/scenarios/${id}/commands`, { type: "publish", count: 4 });
  await page.waitForTimeout(400);
  const state = await getJson<{ actors: { id: string; role: string; alive: boolean }[]; gauges: Record<string, { pending?: number }> }>(`/api/scenarios/${id}/state`);
  const consumers = state.actors.filter((a) => a.role === "email-service" && a.alive);
  const victim = consumers.find((a) => (state.gauges[a.id]?.pending ?? 0) > 0) ?? consumers[0];
  if (victim) await post(`/api/scenarios/${id}/commands`, { type: "kill-actor", actorId: victim.id });
  await page.waitForTimeout(4500);
  const claimed = page.locator('[data-testid="arrow"][data-kind="claimed"]').first();
  if (await claimed.count()) await claimed.click();
  await page.waitForTimeout(400);
  await page.screenshot({ path: `${out}/streams.png` });
  await page.close();
}

/** A consumer killed mid-partition: the rebalance hands its partitions over and they are read again. */
async function kafka(browser: Browser): Promise<void> {
  const id = "kafka-consumer-group";
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1 });
  await post(`/api/scenarios/${id}/stop`);
  await page.goto(`${base}/scenarios/${id}`);
  await post(`/api/scenarios/${id}/start`);
  await post(`/api/scenarios/${id}/commands`, { type: "add-actor", role: "consumer" });
  await post(`/api/scenarios/${id}/commands`, { type: "set", delayMs: 400 });
  await page.getByRole("button", { name: "Send order event" }).waitFor();
  await page.waitForTimeout(4000);
  await post(`/api/scenarios/${id}/commands`, { type: "reset" });
  await post(`/api/scenarios/${id}/commands`, { type: "publish", count: 12 });
  await page.waitForTimeout(1500);
  const state = await getJson<{ actors: { id: string; role: string; alive: boolean }[] }>(`/api/scenarios/${id}/state`);
  const victim = state.actors.find((a) => a.role === "consumer" && a.alive);
  if (victim) await post(`/api/scenarios/${id}/commands`, { type: "kill-actor", actorId: victim.id });
  await page.locator('[data-testid="arrow"][data-kind="redelivered"]').first().waitFor({ timeout: 20_000 }).catch(() => undefined);
  await page.waitForTimeout(2500);
  await page.screenshot({ path: `${out}/kafka.png` });
  await post(`/api/scenarios/${id}/stop`);
  await page.close();
}

/** A JetStream worker killed before its ack: the message comes back after the ack wait, #2. */
async function jetstream(browser: Browser): Promise<void> {
  const id = "nats-jetstream";
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1 });
  await post(`/api/scenarios/${id}/stop`);
  await page.goto(`${base}/scenarios/${id}`);
  await post(`/api/scenarios/${id}/start`);
  await post(`/api/scenarios/${id}/commands`, { type: "reset" });
  await post(`/api/scenarios/${id}/commands`, { type: "set", delayMs: 1500, ackWaitMs: 2000, failRate: 0 });
  await page.getByRole("button", { name: "Store order" }).waitFor();
  await post(`/api/scenarios/${id}/commands`, { type: "publish", count: 3 });
  await page.waitForTimeout(700);
  const state = await getJson<{ actors: { id: string; role: string; alive: boolean }[] }>(`/api/scenarios/${id}/state`);
  const victim = state.actors.find((a) => a.role === "worker" && a.alive);
  if (victim) await post(`/api/scenarios/${id}/commands`, { type: "kill-actor", actorId: victim.id });
  await page.locator('[data-testid="arrow"][data-kind="redelivered"]').first().waitFor({ timeout: 20_000 }).catch(() => undefined);
  await page.waitForTimeout(2500);
  await page.screenshot({ path: `${out}/jetstream.png` });
  await post(`/api/scenarios/${id}/stop`);
  await page.close();
}

/** A shipped recording replayed without brokers, stopped at a kill. */
async function replay(browser: Browser): Promise<void> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1 });
  await page.goto(`${base}/replay?recording=${encodeURIComponent("/recordings/nats-jetstream.ndjson")}&t=3.5`);
  await page.getByTestId("replay-bar").waitFor();
  await page.waitForTimeout(1200);
  await page.screenshot({ path: `${out}/replay.png` });
  await page.close();
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  try {
    for (const theme of wanted("scenario") ? (["light", "dark"] as const) : []) {
      const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: theme, deviceScaleFactor: 1 });
      await page.goto(`${base}/scenarios/${scenario}`);
      await post(`/api/scenarios/${scenario}/stop`);
      await post(`/api/scenarios/${scenario}/start`);
      await post(`/api/scenarios/${scenario}/commands`, { type: "reset" });
      await post(`/api/scenarios/${scenario}/commands`, { type: "set", delayMs: 250, timeoutMs: 700, retries: 3 });
      await page.getByRole("button", { name: "Send request" }).waitFor();
      await post(`/api/scenarios/${scenario}/commands`, { type: "publish", count: 1 });
      await page.waitForTimeout(1200);
      // Kill a responder while it holds queued requests: they time out and are retried.
      const state = (await (await fetch(`${base}/api/scenarios/${scenario}/state`)).json()) as { actors: { id: string; role: string; alive: boolean }[] };
      const victim = state.actors.find((a) => a.role === "responder" && a.alive);
      await post(`/api/scenarios/${scenario}/commands`, { type: "publish", count: 4 });
      await page.waitForTimeout(100);
      if (victim) await post(`/api/scenarios/${scenario}/commands`, { type: "kill-actor", actorId: victim.id });
      await page.waitForTimeout(4500);
      const retried = page.locator('[data-testid="arrow"][data-kind="retry"]').first();
      if (await retried.count()) await retried.click();
      await page.waitForTimeout(400);
      await page.screenshot({ path: `${out}/scenario-${theme}.png` });
      await page.close();
    }
    if (wanted("job-queue")) await jobQueue(browser);
    if (wanted("exchanges")) await exchanges(browser);
    if (wanted("streams")) await streams(browser);
    if (wanted("kafka")) await kafka(browser);
    if (wanted("jetstream")) await jetstream(browser);
    if (wanted("replay")) await replay(browser);
    if (wanted("home")) {
      const home = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      await home.goto(base);
      await home.waitForTimeout(800);
      await home.screenshot({ path: `${out}/home.png` });
    }
  } finally {
    await browser.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
