import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { SCENARIO_START_MS } from "./servers";

const ID = "nats-request-reply";

async function command(request: APIRequestContext, body: unknown) {
  const res = await request.post(`/api/scenarios/${ID}/commands`, { data: body });
  expect(res.ok(), await res.text()).toBe(true);
  return (await res.json()) as { result: Record<string, unknown> };
}

async function openFresh(page: Page, request: APIRequestContext) {
  await request.post(`/api/scenarios/${ID}/stop`);
  await page.goto(`/scenarios/${ID}`);
  await page.getByRole("button", { name: "Start scenario" }).click();
  await expect(page.getByRole("button", { name: "Send request" })).toBeVisible({ timeout: SCENARIO_START_MS });
  await command(request, { type: "reset" });
}

test("the broker strip shows NATS up", async ({ page }) => {
  await page.goto("/");
  const nats = page.getByTestId("broker-nats");
  await expect(nats).toHaveAttribute("data-up", "true");
  await expect(nats).toContainText("up");
  await expect(page.getByRole("link", { name: /Request \/ reply/ }).first()).toBeVisible();
});

test("clicking send draws the round trip with its measured latency", async ({ page, request }) => {
  await openFresh(page, request);
  await page.getByRole("button", { name: "Send request" }).click();

  const sequence = page.getByTestId("sequence");
  for (const kind of ["published", "delivered", "replied", "reply-received"]) {
    await expect(sequence.locator(`[data-testid="arrow"][data-kind="${kind}"]`)).toHaveCount(1);
  }
  const rtt = sequence.locator('[data-testid="arrow"][data-kind="reply-received"] [data-testid="arrow-latency"]');
  await expect(rtt).toHaveText(/^rtt \d+\.\d{3} ms$/);
  await expect(page.getByTestId("latency-last")).toHaveText(/^\d+\.\d{3}$/);
  await expect(page.getByTestId("ledger-completed").getByTestId("ledger-value")).toHaveText("1");
  await expect(page.getByTestId("ledger-verdict")).toContainText("every message is accounted for");
  await expect(page.getByTestId("log-row")).toHaveCount(4);

  // Clicking the arrow follows the message in both views.
  await sequence.locator('[data-testid="arrow"][data-kind="reply-received"]').click();
  const card = page.getByTestId("trace-card");
  await expect(card).toContainText("completed");
  await expect(card).toContainText(/round trip \d+\.\d{3} ms/);
  await expect(page.locator(".react-flow__edge.is-lit")).not.toHaveCount(0);
});

test("killing a responder crosses out its lifeline, and requests keep being served", async ({ page, request }) => {
  await openFresh(page, request);
  const state = (await (await request.get(`/api/scenarios/${ID}/state`)).json()) as { actors: { id: string; role: string; alive: boolean; pid: number }[] };
  const victim = state.actors.find((a) => a.role === "responder" && a.alive);
  expect(victim).toBeDefined();

  await page.getByTestId(`node-${victim!.id}`).getByRole("button", { name: `Kill ${victim!.id}` }).click();
  await expect(page.getByTestId(`kill-cross-${victim!.id}`)).toBeVisible();
  await expect(page.getByTestId(`node-${victim!.id}`)).toHaveAttribute("data-alive", "false");
  await expect(page.getByTestId(`node-${victim!.id}`)).toContainText("killed");
  expect(() => process.kill(victim!.pid, 0)).toThrow();

  // The survivor answers the next requests.
  await page.getByRole("button", { name: "Send burst" }).click();
  await expect(page.getByTestId("ledger-completed").getByTestId("ledger-value")).toHaveText("20", { timeout: 20_000 });
});

test("a request to an empty queue group shows as an at-most-once drop", async ({ page, request }) => {
  await openFresh(page, request);
  const state = (await (await request.get(`/api/scenarios/${ID}/state`)).json()) as { actors: { id: string; role: string; alive: boolean }[] };
  for (const a of state.actors.filter((x) => x.role === "responder" && x.alive)) await command(request, { type: "kill-actor", actorId: a.id });
  await expect(page.locator('[data-testid^="kill-cross-"]')).toHaveCount(2);
  await page.getByRole("button", { name: "Send request" }).click();
  await expect(page.getByTestId("sequence").locator('[data-testid="arrow"][data-kind="dropped"]')).toHaveCount(1);
  await expect(page.getByTestId("ledger")).toContainText("no responders (503)");
  await expect(page.getByTestId("ledger-lost").getByTestId("ledger-value")).toHaveText("0");
});
