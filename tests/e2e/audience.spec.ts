import { expect, test } from "@playwright/test";
import { WORKSHOP_PORT, WORKSHOP_TOKEN } from "./servers";

const WORKSHOP = `http://127.0.0.1:${WORKSHOP_PORT}`;

test("the audience sees no controls and follows the presenter; the presenter sees who watches", async ({ browser }) => {
  const presenterContext = await browser.newContext();
  const audienceContext = await browser.newContext();
  try {
    const presenter = await presenterContext.newPage();
    await presenter.goto(`${WORKSHOP}/?token=${WORKSHOP_TOKEN}`);
    await expect(presenter.getByTestId("connection")).toHaveText("live · presenter");
    // The token leaves the address bar once it is in the tab's session.
    await expect(presenter).toHaveURL(`${WORKSHOP}/`);

    const audience = await audienceContext.newPage();
    await audience.goto(`${WORKSHOP}/`);
    await expect(audience.getByTestId("connection")).toHaveText("live · watching");
    await expect(presenter.getByTestId("watching")).toHaveText("1 watching");

    await presenter.goto(`${WORKSHOP}/scenarios/redis-pubsub`);
    await expect(audience).toHaveURL(`${WORKSHOP}/scenarios/redis-pubsub`);
    await expect(audience.getByText("You are watching. The presenter drives this scenario.")).toBeVisible();
    await expect(audience.getByRole("button", { name: "Start scenario" })).toHaveCount(0);

    // A viewer who stops following stays put.
    await audience.getByLabel("Follow the presenter").uncheck();
    await presenter.goto(`${WORKSHOP}/scenarios/nats-pubsub`);
    await expect(presenter.getByTestId("scenario")).toHaveAttribute("data-scenario", "nats-pubsub");
    await audience.waitForTimeout(1000);
    await expect(audience).toHaveURL(`${WORKSHOP}/scenarios/redis-pubsub`);
    await audience.getByLabel("Follow the presenter").check();
    await expect(audience).toHaveURL(`${WORKSHOP}/scenarios/nats-pubsub`);

    // A comparison is followed like a scenario: the same sides and table, live, and no controls.
    const comparison = `${WORKSHOP}/api/comparisons/queue-group-vs-jetstream`;
    const asPresenter = { headers: { authorization: `Bearer ${WORKSHOP_TOKEN}` } };
    await presenter.goto(`${WORKSHOP}/compare/queue-group-vs-jetstream`);
    await expect(audience).toHaveURL(`${WORKSHOP}/compare/queue-group-vs-jetstream`);
    await expect(audience.getByText("You are watching. The presenter drives this comparison.")).toBeVisible();
    await expect(audience.getByRole("button", { name: "Start every side" })).toHaveCount(0);
    expect((await presenter.request.post(`${comparison}/start`, asPresenter)).status()).toBe(200);
    await presenter.request.post(`${comparison}/commands`, { ...asPresenter, data: { type: "reset" } });
    await presenter.request.post(`${comparison}/commands`, { ...asPresenter, data: { type: "publish", count: 3 } });
    for (const side of ["nats-queue-group", "nats-jetstream"]) {
      await expect(audience.getByTestId(`side-${side}`).getByTestId("ledger-published").getByTestId("ledger-value")).toHaveText("3");
    }
    await expect(audience.getByTestId("row-nats-jetstream").getByTestId("fates")).toHaveText("no kill yet");
    await presenter.request.post(`${comparison}/stop`, asPresenter);

    await audienceContext.close();
    await expect(presenter.getByTestId("watching")).toHaveText("0 watching");
  } finally {
    await presenterContext.close();
    await audienceContext.close().catch(() => undefined);
  }
});
