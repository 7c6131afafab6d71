import { expect, test, type APIRequestContext, type Locator, type Page } from "@playwright/test";
import { connect } from "nats";
import { openStartedScenario } from "./scenario-page";
import { expectNoSeriousViolations } from "./axe";
import { NAMESPACE } from "./servers";

/**
 * Accessibility: axe finds nothing serious on any page in either theme; the log, the diagram and
 * the broker details work from the keyboard with a focus one can see; reduced motion is honoured.
 */
const ID = "nats-request-reply";

const openRunning = (page: Page, request: APIRequestContext) => openStartedScenario(page, request, ID, "Send request");

test.describe("axe on the pages that run on the brokers", () => {
  test.setTimeout(180_000);

  for (const scheme of ["light", "dark"] as const) {
    test(`in ${scheme} mode`, async ({ page, request }) => {
      await page.emulateMedia({ colorScheme: scheme });
      await openRunning(page, request);
      await page.getByTestId("broker-view").getByRole("button", { name: "Cross-check with the broker" }).click();
      // Only what is published once the cross-check has begun is counted.
      await expect(page.getByTestId("broker-view").getByTestId("broker-view-state")).toHaveText("cross-check on");
      await page.getByRole("button", { name: "Send request" }).click();
      await expect(page.getByTestId("ledger-completed").getByTestId("ledger-value")).toHaveText("1");
      await expect(page.getByTestId("ledger-broker-check")).toHaveText("Confirmed by the broker: 1 of 1 published");
      await page.getByTestId("sequence").getByTestId("arrow").last().click();
      await expect(page.getByTestId("trace-card")).toBeVisible();
      await expectNoSeriousViolations(page, "a running scenario with a message selected");
      await page.getByTestId("stage-button").click();
      await expectNoSeriousViolations(page, "a running scenario on stage");
      await page.keyboard.press("Escape");
      await request.post(`/api/scenarios/${ID}/stop`);

      await page.goto("/observe");
      await request.post("/api/observe/taps", { data: {} });
      await expect(page.getByTestId("taps-off")).toBeVisible();
      await page.getByLabel("NATS subjects").fill("orders..created");
      await page.getByRole("button", { name: "Start taps" }).click();
      await expect(page.getByTestId("tap-error-nats")).toBeVisible();
      const subject = `${NAMESPACE}.a11y.${scheme}`;
      await page.getByLabel("NATS subjects").fill(subject);
      await page.getByRole("button", { name: "Start taps" }).click();
      await expect(page.getByTestId("taps-on")).toBeVisible();
      const nc = await connect({ servers: process.env.NATS_URL ?? "nats://127.0.0.1:4222" });
      try {
        nc.publish(subject, "{}");
        await nc.flush();
      } finally {
        await nc.close();
      }
      await expect(page.getByTestId("sequence").getByTestId("arrow")).not.toHaveCount(0);
      await expectNoSeriousViolations(page, "the observe page with traffic");
      await page.getByTestId("stage-button").click();
      await expectNoSeriousViolations(page, "the observe page on stage");
      await page.keyboard.press("Escape");
      await request.post("/api/observe/taps", { data: {} });
    });
  }
});

/** Tabs until `target` holds the focus; a fixed number of presses, so a trap fails rather than hangs. */
async function tabTo(page: Page, target: Locator, limit = 120): Promise<number> {
  for (let presses = 1; presses <= limit; presses++) {
    await page.keyboard.press("Tab");
    if (await target.evaluate((el) => el === document.activeElement || el.contains(document.activeElement)).catch(() => false)) return presses;
  }
  throw new Error(`not reached in ${limit} presses of Tab`);
}

test.describe("keyboard", () => {
  test.setTimeout(120_000);

  test("Tab reaches a log row and a sequence arrow, Enter selects the message as a click does, and the focus shows", async ({ page, request }) => {
    await openRunning(page, request);
    await page.getByRole("button", { name: "Send request" }).click();
    await expect(page.getByTestId("ledger-completed").getByTestId("ledger-value")).toHaveText("1");
    await expect(page.getByTestId("log-row")).toHaveCount(4);
    await expect(page.getByTestId("sequence").getByTestId("arrow")).toHaveCount(4);

    // From the top of the page, as a keyboard user starts.
    await page.getByRole("heading", { level: 1 }).click();
    const arrow = page.getByTestId("sequence").locator('[data-testid="arrow"][tabindex="0"]');
    await expect(arrow).toHaveCount(1);
    await tabTo(page, arrow);
    await expect(arrow).toBeFocused();
    // The ring is drawn, not just the browser's default: a stroke around the arrow.
    expect(await arrow.evaluate((el) => el.matches(":focus-visible"))).toBe(true);
    expect(await arrow.getByTestId("arrow-focus").evaluate((el) => getComputedStyle(el).stroke)).not.toBe("none");
    // Arrow keys walk the diagram; Enter selects what a click would.
    await page.keyboard.press("ArrowUp");
    const focused = page.getByTestId("sequence").locator('[data-testid="arrow"]:focus');
    await expect(focused).toHaveAttribute("data-kind", "replied");
    const trace = await focused.getAttribute("data-trace");
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("trace-card")).toBeVisible();
    await expect(focused).toHaveAttribute("aria-pressed", "true");
    await expect(page.locator(".react-flow__edge.is-lit")).not.toHaveCount(0);
    await page.keyboard.press(" ");
    await expect(page.getByTestId("trace-card")).toBeHidden();

    const row = page.getByTestId("log-row").and(page.locator('[tabindex="0"]'));
    await expect(row).toHaveCount(1);
    await tabTo(page, row);
    await expect(row).toBeFocused();
    expect(await row.evaluate((el) => el.matches(":focus-visible") && getComputedStyle(el).outlineStyle !== "none")).toBe(true);
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    const card = page.getByTestId("trace-card");
    await expect(card).toBeVisible();
    await expect(page.getByTestId("log-row").and(page.locator('[aria-current="true"]'))).toHaveCount(4);
    expect(await page.getByTestId("sequence").locator(`[data-testid="arrow"][aria-pressed="true"]`).first().getAttribute("data-trace")).toBe(trace);
  });

  test("the broker details open from the keyboard", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByTestId("broker-nats")).toHaveAttribute("data-up", "true");
    const button = page.getByTestId("broker-button-nats");
    await tabTo(page, button);
    expect(await button.evaluate((el) => el.matches(":focus-visible") && getComputedStyle(el).outlineStyle !== "none")).toBe(true);
    const details = page.getByTestId("broker-details-nats");
    await expect(details).toBeHidden();
    await page.keyboard.press("Enter");
    await expect(details).toBeVisible();
    await expect(details).toContainText("nats://");
    await expect(button).toHaveAttribute("aria-expanded", "true");
    await page.keyboard.press("Space");
    await expect(details).toBeHidden();
  });
});

/** Where the dots are on the canvas: the centre of its coloured pixels, or null when it is blank. */
async function dotCentre(canvas: Locator): Promise<{ x: number; y: number; n: number } | null> {
  return canvas.evaluate((el) => {
    const c = el as HTMLCanvasElement;
    const data = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
    let [x, y, n] = [0, 0, 0];
    for (let i = 3; i < data.length; i += 4) {
      if (data[i]! < 150) continue;
      const p = (i - 3) / 4;
      x += p % c.width;
      y += Math.floor(p / c.width);
      n++;
    }
    return n === 0 ? null : { x: x / n, y: y / n, n };
  });
}

test("with reduced motion, no dot travels, yet every hop is still shown", async ({ page, request }) => {
  test.setTimeout(120_000);
  await page.emulateMedia({ reducedMotion: "reduce" });
  await openRunning(page, request);
  const canvas = page.getByTestId("dot-layer");
  await expect(canvas).toHaveAttribute("data-motion", "reduced");
  // Slowest motion, so each hop is in the air for seconds.
  await page.getByRole("button", { name: "0.1×", exact: true }).click();

  const sample = async () => {
    await page.getByRole("button", { name: "Send request" }).click();
    await expect.poll(() => dotCentre(canvas), { timeout: 10_000 }).not.toBeNull();
    const first = await dotCentre(canvas);
    await page.waitForTimeout(1500);
    const second = await dotCentre(canvas);
    return { first: first!, second: second! };
  };
  const still = await sample();
  expect(still.second).not.toBeNull();
  expect(Math.hypot(still.second.x - still.first.x, still.second.y - still.first.y)).toBeLessThan(2);
  // The diagram draws its arrows without the drawing-in animation.
  await expect(page.getByTestId("sequence").getByTestId("arrow").first()).toBeVisible();
  expect(await page.getByTestId("sequence").locator('[data-testid="arrow"] line').last().evaluate((el) => getComputedStyle(el).animationName)).toBe("none");
  // Every hop still arrives: the picture shows them all, only nothing moves.
  await page.getByRole("button", { name: "1×", exact: true }).click();
  await expect(page.getByTestId("ledger-completed").getByTestId("ledger-value")).toHaveText("1");
  await expect(page.getByTestId("sequence").getByTestId("arrow")).toHaveCount(4, { timeout: 20_000 });

  // The same check fails where motion is allowed: the dot moves between the two looks.
  await page.emulateMedia({ reducedMotion: "no-preference" });
  await expect(canvas).toHaveAttribute("data-motion", "full");
  await page.getByRole("button", { name: "0.1×", exact: true }).click();
  const moving = await sample();
  expect(Math.hypot(moving.second.x - moving.first.x, moving.second.y - moving.first.y)).toBeGreaterThan(4);
});
