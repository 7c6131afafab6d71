import { expect, test, type APIRequestContext } from "@playwright/test";
import { SCENARIO_START_MS } from "./servers";

type WireHop = { kind: string; from: string; to: string };

/** A worker that, by the server's record, holds jobs it has not acked yet. */
async function busyWorker(request: APIRequestContext): Promise<string | undefined> {
  const { hops } = (await (await request.get(`/api/scenarios/${ID}/hops?since=0`)).json()) as { hops: WireHop[] };
  const held = new Map<string, number>();
  for (const hop of hops) {
    if (hop.kind === "delivered") held.set(hop.to, (held.get(hop.to) ?? 0) + 1);
    if (hop.kind === "acked") held.set(hop.from, (held.get(hop.from) ?? 0) - 1);
  }
  return [...held.entries()].find(([, count]) => count >= 2)?.[0];
}

const ID = "rabbitmq-work-queue";

test("killing a worker that holds unacked jobs shows the requeue and the redelivery, and nothing is lost", async ({ page, request }) => {
  await request.post(`/api/scenarios/${ID}/stop`);
  await page.goto(`/scenarios/${ID}`);
  await page.getByRole("button", { name: "Start scenario" }).click();
  await expect(page.getByRole("button", { name: "Send job" })).toBeVisible({ timeout: SCENARIO_START_MS });
  const set = await request.post(`/api/scenarios/${ID}/commands`, { data: { type: "set", delayMs: 800, prefetch: 4 } });
  expect(set.ok()).toBe(true);
  await request.post(`/api/scenarios/${ID}/commands`, { data: { type: "reset" } });

  await page.getByLabel("Burst size").fill("10");
  await page.getByRole("button", { name: "Send burst" }).click();
  await expect(page.getByTestId("ledger-published").getByTestId("ledger-value")).toHaveText("10");

  // The picture runs behind the brokers on purpose, so the server's record says when to strike.
  let worker: string | undefined;
  await expect.poll(async () => (worker = await busyWorker(request)), { timeout: 10_000 }).toBeTruthy();
  if (!worker) throw new Error("no busy worker");
  await page.getByTestId(`node-${worker}`).getByRole("button", { name: `Kill ${worker}` }).click();
  await expect(page.getByTestId(`kill-cross-${worker}`)).toBeVisible();

  const sequence = page.getByTestId("sequence");
  await expect(sequence.locator('[data-testid="arrow"][data-kind="requeued"]').first()).toBeVisible();
  await expect(sequence.locator('[data-testid="arrow"][data-kind="redelivered"]').first()).toBeVisible();
  await expect(sequence.locator('[data-testid="arrow"][data-kind="redelivered"]').first()).toContainText("redelivered");

  await expect(page.getByTestId("ledger-completed").getByTestId("ledger-value")).toHaveText("10", { timeout: 20_000 });
  await expect(page.getByTestId("ledger-lost").getByTestId("ledger-value")).toHaveText("0");
  await expect(page.getByTestId("ledger-verdict")).toContainText("Nothing lost");
  await expect(page.getByTestId("gauges-rabbitmq:emails")).toContainText("ready 0");
});
