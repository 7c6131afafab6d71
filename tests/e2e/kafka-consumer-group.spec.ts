import { expect, test } from "@playwright/test";
import { SCENARIO_START_MS } from "./servers";

const ID = "kafka-consumer-group";

test("a killed consumer's partitions move to the survivors, and the page shows the rebalance", async ({ page, request }) => {
  test.setTimeout(90_000);
  await request.post(`/api/scenarios/${ID}/stop`);
  await page.goto(`/scenarios/${ID}`);
  await page.getByRole("button", { name: "Start scenario" }).click();
  await expect(page.getByRole("button", { name: "Send order event" })).toBeVisible({ timeout: SCENARIO_START_MS });
  await request.post(`/api/scenarios/${ID}/commands`, { data: { type: "set", delayMs: 200 } });
  await request.post(`/api/scenarios/${ID}/commands`, { data: { type: "reset" } });

  // The group coordinator's assignment is drawn: wait until both consumers own partitions.
  type State = { actors: { id: string; role: string; alive: boolean }[]; layout?: { links: { from: string; to: string }[]; caption?: string } };
  const owned = async () => {
    const state = (await (await request.get(`/api/scenarios/${ID}/state`)).json()) as State;
    return new Set((state.layout?.links ?? []).filter((l) => l.from.startsWith("kafka:") && l.to.startsWith("consumer-")).map((l) => l.to));
  };
  await expect.poll(async () => (await owned()).size, { timeout: 20_000 }).toBe(2);
  await expect(page.getByTestId("topology-caption")).toContainText("2 member(s) own 3 of 3 partitions");

  await page.getByLabel("Burst size").fill("40");
  await page.getByRole("button", { name: "Send burst" }).click();
  await expect(page.getByTestId("sequence").locator('[data-testid="arrow"][data-kind="processed"]').first()).toBeVisible();

  const victim = [...(await owned())][0]!;
  await page.getByTestId(`node-${victim}`).getByRole("button", { name: `Kill ${victim}` }).click();
  await expect(page.getByTestId(`kill-cross-${victim}`)).toBeVisible();

  // After the victim's session times out, the survivor is handed every partition: a rebalance
  // note on its lifeline, and the topology redrawn with all partitions on it.
  const survivorNote = page.getByTestId("sequence").locator('[data-testid="note"][data-kind="rebalanced"]', { hasText: "p0 p1 p2" });
  await expect(survivorNote.first()).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("topology-caption")).toContainText("1 member(s) own 3 of 3 partitions", { timeout: 15_000 });
  expect(await owned()).not.toContain(victim);
  // Its unfinished records were read again by the new owner: redeliveries, and nothing lost.
  await expect(page.getByTestId("sequence").locator('[data-testid="arrow"][data-kind="redelivered"]').first()).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("ledger-lost").getByTestId("ledger-value")).toHaveText("0");
  await expect(page.getByTestId("key-order")).toContainText("Per-key order holds");
});
