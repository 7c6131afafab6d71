import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { SCENARIO_START_MS } from "./servers";

const ID = "grpc-inventory";

type Actor = { id: string; role: string; alive: boolean; pid: number };

async function command(request: APIRequestContext, body: unknown) {
  const res = await request.post(`/api/scenarios/${ID}/commands`, { data: body });
  expect(res.ok(), await res.text()).toBe(true);
  return (await res.json()) as { result: Record<string, unknown> };
}

async function liveServers(request: APIRequestContext): Promise<Actor[]> {
  const state = (await (await request.get(`/api/scenarios/${ID}/state`)).json()) as { actors: Actor[]; gauges: Record<string, { serving?: number }> };
  return state.actors.filter((a) => a.role === "server" && a.alive);
}

/** A fresh start: three servers, each answering health checks, so round robin has all three. */
async function openFresh(page: Page, request: APIRequestContext) {
  await request.post(`/api/scenarios/${ID}/stop`);
  await page.goto(`/scenarios/${ID}`);
  await page.getByRole("button", { name: "Start scenario" }).click();
  await expect(page.getByRole("button", { name: "Call", exact: true })).toBeVisible({ timeout: SCENARIO_START_MS });
  await expect(page.getByTestId("node-grpc:InventoryService")).toContainText("serving 3", { timeout: 20_000 });
  await command(request, { type: "reset" });
}

const arrows = (page: Page, caption: string) => page.getByTestId("sequence").locator(`[data-testid="arrow"][data-caption="${caption}"]`);
const cell = (page: Page, key: string) => page.getByTestId(`ledger-${key}`).getByTestId("ledger-value");

test("a call draws each side's start, request, response and status, with the round trip on the caller's status", async ({ page, request }) => {
  await openFresh(page, request);
  await page.getByRole("button", { name: "Call", exact: true }).click();

  // The client's and the answering server's view: four arrows each.
  for (const caption of ["call started", "request 1", "response 1", "status OK"]) await expect(arrows(page, caption)).toHaveCount(2);
  const callerStatus = page.getByTestId("sequence").locator('[data-testid="arrow"][data-caption="status OK"] [data-testid="arrow-latency"]').filter({ hasText: /^rtt / });
  await expect(callerStatus).toHaveText(/^rtt \d+\.\d{3} ms$/);
  await expect(page.getByTestId("latency-last")).toHaveText(/^\d+\.\d{3}$/);
  await expect(cell(page, "started")).toHaveText("1");
  await expect(cell(page, "ok")).toHaveText("1");
  await expect(page.getByTestId("ledger-verdict")).toContainText("the caller learned how every call ended");

  await arrows(page, "status OK").last().click();
  await expect(page.getByTestId("trace-card")).toContainText("completed");
});

test("killing a server mid-call draws UNAVAILABLE on it, then the retry on another server", async ({ page, request }) => {
  await openFresh(page, request);
  // The deadline is the whole call's, retries included: long enough that the retry never meets it.
  await command(request, { type: "set", delayMs: 3_000, deadlineMs: 20_000, retries: 3 });
  // Round robin puts one call on each server.
  await page.getByRole("spinbutton", { name: "Burst size" }).fill("3");
  await page.getByRole("button", { name: "Send burst" }).click();
  await expect(arrows(page, "call started")).toHaveCount(6);
  const [victim] = await liveServers(request);
  expect(victim).toBeDefined();
  await page.getByTestId(`node-${victim!.id}`).getByRole("button", { name: `Kill ${victim!.id}` }).click();
  await expect(page.getByTestId(`kill-cross-${victim!.id}`)).toBeVisible();

  await expect(arrows(page, "status UNAVAILABLE")).toHaveCount(1);
  await expect(arrows(page, "call started #2")).toHaveCount(1, { timeout: 10_000 });
  await expect(cell(page, "ok")).toHaveText("3", { timeout: 20_000 });
  await expect(cell(page, "retriedThenOk")).toHaveText("1");
  await expect(cell(page, "failed")).toHaveText("0");
});

test("with retries off, the killed server's call ends UNAVAILABLE for the caller and is counted failed", async ({ page, request }) => {
  await openFresh(page, request);
  await command(request, { type: "set", delayMs: 3_000, deadlineMs: 20_000, retries: 0 });
  await page.getByRole("spinbutton", { name: "Burst size" }).fill("3");
  await page.getByRole("button", { name: "Send burst" }).click();
  await expect(arrows(page, "call started")).toHaveCount(6);
  const [victim] = await liveServers(request);
  await page.getByTestId(`node-${victim!.id}`).getByRole("button", { name: `Kill ${victim!.id}` }).click();

  // The dead server's attempt, and the caller's status: both UNAVAILABLE; no second attempt.
  await expect(arrows(page, "status UNAVAILABLE")).toHaveCount(2);
  await expect(cell(page, "ok")).toHaveText("2", { timeout: 20_000 });
  await expect(cell(page, "failed")).toHaveText("1");
  await expect(page.getByTestId("ledger-failed-codes")).toContainText("UNAVAILABLE × 1");
  await expect(arrows(page, "call started #2")).toHaveCount(0);
});
