import { expect, test } from "@playwright/test";

const ID = "order-placement";

test("one order crosses NATS, RabbitMQ and Redis as one trace, and the ledger counts it per leg", async ({ page, request }) => {
  await request.post(`/api/scenarios/${ID}/stop`);
  await page.goto(`/scenarios/${ID}`);
  await page.getByRole("button", { name: "Start scenario" }).click();
  const place = page.getByRole("button", { name: "Place order", exact: true });
  await expect(place).toBeEnabled({ timeout: 45_000 });
  expect((await request.post(`/api/scenarios/${ID}/commands`, { data: { type: "set", declineRate: 0, paymentDelayMs: 10, jobDelayMs: 50 } })).ok()).toBe(true);
  await request.post(`/api/scenarios/${ID}/commands`, { data: { type: "reset" } });

  // Each broker is a group of its own in the picture.
  for (const broker of ["nats", "rabbitmq", "redis"]) await expect(page.getByTestId(`group-${broker}`)).toBeVisible();

  await place.click();
  await expect(page.getByTestId("ledger")).toHaveAttribute("data-unit", "order");
  await expect(page.getByTestId("ledger-completed").getByTestId("ledger-value")).toHaveText("1", { timeout: 20_000 });
  await expect(page.getByTestId("leg-payment-completed")).toHaveText("1");
  await expect(page.getByTestId("leg-jobs-completed")).toHaveText("3");
  await expect(page.getByTestId("leg-broadcast-completed")).toHaveText("1");
  await expect(page.getByTestId("ledger-lost").getByTestId("ledger-value")).toHaveText("0");

  // Clicking the order shows its whole journey: payment, the three jobs, the broadcast.
  await page.getByTestId("sequence").locator('[data-testid="arrow"][data-kind="published"]').first().click();
  const card = page.getByTestId("trace-card");
  await expect(card).toContainText("completed");
  for (const actor of ["payment-", "inventory-worker-", "email-worker-", "shipping-worker-", "subscriber-"]) await expect(card).toContainText(actor);

  // A worker killed from the picture: its queue's jobs go to the other. Ids number on across
  // runs of the scenario, so ask which workers are alive.
  const { actors } = (await (await request.get(`/api/scenarios/${ID}/state`)).json()) as { actors: { id: string; role: string; alive: boolean }[] };
  const victim = actors.find((a) => a.role === "inventory-worker" && a.alive)?.id ?? "no live inventory worker";
  await page.getByTestId(`node-${victim}`).getByRole("button", { name: `Kill ${victim}` }).click();
  await expect(page.getByTestId(`kill-cross-${victim}`)).toBeVisible();
  await place.click();
  await expect(page.getByTestId("ledger-completed").getByTestId("ledger-value")).toHaveText("2", { timeout: 20_000 });
  await request.post(`/api/scenarios/${ID}/stop`);
});
