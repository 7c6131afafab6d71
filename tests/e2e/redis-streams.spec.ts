import { expect, test } from "@playwright/test";
import { SCENARIO_START_MS } from "./servers";

const ID = "redis-streams";

test("a killed consumer's pending entries are claimed by another, with their delivery count", async ({ page, request }) => {
  await request.post(`/api/scenarios/${ID}/stop`);
  await page.goto(`/scenarios/${ID}`);
  await page.getByRole("button", { name: "Start scenario" }).click();
  await expect(page.getByRole("button", { name: "Add task" })).toBeVisible({ timeout: SCENARIO_START_MS });
  await request.post(`/api/scenarios/${ID}/commands`, { data: { type: "set", delayMs: 1500, failRate: 0, minIdleMs: 1000 } });
  await request.post(`/api/scenarios/${ID}/commands`, { data: { type: "reset" } });

  await page.getByLabel("Burst size").fill("6");
  await page.getByRole("button", { name: "Send burst" }).click();

  // The broker's PEL says who holds what: kill an email-service consumer that holds entries.
  let victim: string | undefined;
  await expect
    .poll(async () => {
      const state = (await (await request.get(`/api/scenarios/${ID}/state`)).json()) as { actors: { id: string; role: string; alive: boolean }[]; gauges: Record<string, { pending?: number }> };
      victim = state.actors.find((a) => a.role === "email-service" && a.alive && (state.gauges[a.id]?.pending ?? 0) > 0)?.id;
      return victim;
    }, { timeout: 15_000 })
    .toBeTruthy();
  await page.getByTestId(`node-${victim}`).getByRole("button", { name: `Kill ${victim}` }).click();
  await expect(page.getByTestId(`kill-cross-${victim}`)).toBeVisible();

  const claimed = page.getByTestId("sequence").locator('[data-testid="arrow"][data-kind="claimed"]').first();
  await expect(claimed).toBeVisible({ timeout: 20_000 });
  await expect(claimed).toContainText(/claimed #\d/);
  await claimed.click();
  await expect(page.getByTestId("trace-card")).toContainText(/claimed after 1000 ms idle; delivery \d/);
});
