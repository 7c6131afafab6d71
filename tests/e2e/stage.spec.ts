import { expect, test, type APIRequestContext, type Browser, type Page } from "@playwright/test";
import { openStartedScenario } from "./scenario-page";
import { SCENARIO_START_MS, WORKSHOP_PORT, WORKSHOP_TOKEN } from "./servers";
import { comparisonStageParts, drawnTextSizes, expectStageFloor, FLOOR_PX } from "./stage-text";

const WORKSHOP = `http://127.0.0.1:${WORKSHOP_PORT}`;


/**
 * Stage mode, for the projector: the picture alone, nothing the room reads under 16 px at
 * 1280×720, on and off by a key that leaves typing alone.
 */
const ID = "rabbitmq-work-queue";

const openRunning = (page: Page, request: APIRequestContext) => openStartedScenario(page, request, ID, "Send burst");

/** A presenter on the workshop server and an audience browser following it, on stage at 1280×720. */
async function audienceOnStage(browser: Browser): Promise<{ presenter: Page; audience: Page; close: () => Promise<void> }> {
  const presenterContext = await browser.newContext();
  const audienceContext = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const close = async () => {
    await presenterContext.close();
    await audienceContext.close();
  };
  try {
    const presenter = await presenterContext.newPage();
    await presenter.goto(`${WORKSHOP}/?token=${WORKSHOP_TOKEN}`);
    await expect(presenter.getByTestId("connection")).toHaveText("live · presenter");
    await presenter.goto(`${WORKSHOP}/scenarios/${ID}`);
    const audience = await audienceContext.newPage();
    await audience.goto(`${WORKSHOP}/scenarios/${ID}`);
    await expect(audience.getByTestId("connection")).toHaveText("live · watching");
    await audience.getByRole("heading", { level: 1 }).click();
    await audience.keyboard.press("f");
    await expect(audience.getByTestId("page-root")).toHaveAttribute("data-stage", "on");
    return { presenter, audience, close };
  } catch (error) {
    await close();
    throw error;
  }
}

test.describe("stage mode", () => {
  test.setTimeout(120_000);
  test.use({ viewport: { width: 1280, height: 720 } });

  test("the key and the button toggle it; nothing the room reads is under 16 px; Escape leaves", async ({ page, request }, testInfo) => {
    await openRunning(page, request);
    const root = page.getByTestId("page-root");
    const publish = page.getByRole("button", { name: "Send burst" });
    await publish.click();
    await expect(page.getByTestId("ledger-completed").getByTestId("ledger-value")).not.toHaveText("0", { timeout: 20_000 });

    // Off stage the desk picture is small: the floor below is stage mode's doing.
    const desk = await drawnTextSizes(page.getByTestId("topology"));
    expect(desk.some((s) => s.px < FLOOR_PX)).toBe(true);

    // Typing in a field, the key is a letter.
    const burst = page.getByRole("spinbutton", { name: "Burst size" });
    await burst.focus();
    await page.keyboard.press("f");
    await expect(root).not.toHaveAttribute("data-stage", "on");

    await page.getByRole("heading", { level: 1 }).click();
    await page.keyboard.press("f");
    await expect(root).toHaveAttribute("data-stage", "on");
    // The menu, the controls and the settings make way for the picture.
    await expect(page.getByRole("navigation", { name: "Scenarios" })).toBeHidden();
    await expect(page.getByRole("banner")).toBeHidden();
    await expect(publish).toBeHidden();
    await expect(page.getByTestId("event-log")).toBeHidden();
    // The graph re-fits to its stage layout; then the figures are measured where they are drawn.
    await page.waitForTimeout(800);
    // The presenter's keys still drive it.
    await page.keyboard.press("s");
    await expect(page.getByTestId("ledger-published").getByTestId("ledger-value")).toHaveText("21");
    await expect(page.getByTestId("sequence").getByTestId("arrow").first()).toBeVisible();
    await expectStageFloor(page);
    // Topology and sequence share the screen: both in full view, neither on top of the other.
    const topo = (await page.getByTestId("topology").boundingBox())!;
    const seq = (await page.getByTestId("sequence").boundingBox())!;
    for (const box of [topo, seq]) {
      expect(box.y + box.height).toBeLessThanOrEqual(720 + 1);
      expect(box.height).toBeGreaterThan(200);
    }
    expect(seq.y >= topo.y + topo.height || seq.x >= topo.x + topo.width).toBe(true);
    await page.screenshot({ path: testInfo.outputPath("stage-light.png") });

    await page.keyboard.press("Escape");
    await expect(root).not.toHaveAttribute("data-stage", "on");
    await expect(page.getByRole("navigation", { name: "Scenarios" })).toBeVisible();

    // The button, and the key again to leave.
    await page.getByTestId("stage-button").click();
    await expect(root).toHaveAttribute("data-stage", "on");
    await expect(page.getByTestId("stage-button")).toHaveAccessibleName("Leave stage");
    // The tab stays on stage through a reload, as it does following the presenter elsewhere.
    await page.reload();
    await expect(root).toHaveAttribute("data-stage", "on");
    await expect(page.getByRole("navigation", { name: "Scenarios" })).toBeHidden();
    await page.getByRole("heading", { level: 1 }).click();
    await page.keyboard.press("f");
    await expect(root).not.toHaveAttribute("data-stage", "on");
    await page.reload();
    await expect(page.getByRole("navigation", { name: "Scenarios" })).toBeVisible();
    await expect(root).not.toHaveAttribute("data-stage", "on");
  });

  test("an audience browser on a workshop takes the picture on stage too, in dark mode", async ({ page, request }, testInfo) => {
    const auth = { Authorization: `Bearer ${WORKSHOP_TOKEN}` };
    await request.post(`${WORKSHOP}/api/scenarios/${ID}/start`, { headers: auth });
    await expect
      .poll(async () => ((await (await request.get(`${WORKSHOP}/api/scenarios/${ID}/state`)).json()) as { actors: { alive: boolean }[] }).actors.filter((a) => a.alive).length, { timeout: SCENARIO_START_MS })
      .toBeGreaterThan(2);
    try {
      await page.emulateMedia({ colorScheme: "dark" });
      await page.goto(`${WORKSHOP}/scenarios/${ID}`);
      await expect(page.getByTestId("connection")).toHaveText("live · watching");
      const sent = await request.post(`${WORKSHOP}/api/scenarios/${ID}/commands`, { headers: auth, data: { type: "publish", count: 20 } });
      expect(sent.ok()).toBe(true);
      await expect(page.getByTestId("ledger-completed").getByTestId("ledger-value")).not.toHaveText("0", { timeout: 20_000 });
      await page.getByRole("heading", { level: 1 }).click();
      await page.keyboard.press("f");
      await expect(page.getByTestId("page-root")).toHaveAttribute("data-stage", "on");
      await page.waitForTimeout(800);
      await expectStageFloor(page);
      await page.screenshot({ path: testInfo.outputPath("stage-dark.png") });
    } finally {
      await request.post(`${WORKSHOP}/api/scenarios/${ID}/stop`, { headers: auth });
    }
  });

  test("an audience browser on stage stays on stage when it follows the presenter to another scenario", async ({ browser }) => {
    const { presenter, audience, close } = await audienceOnStage(browser);
    try {
      await presenter.goto(`${WORKSHOP}/scenarios/nats-request-reply`);
      await expect(audience).toHaveURL(`${WORKSHOP}/scenarios/nats-request-reply`);
      await expect(audience.getByTestId("scenario")).toHaveAttribute("data-scenario", "nats-request-reply");
      await expect(audience.getByTestId("page-root")).toHaveAttribute("data-stage", "on");
      await expect(audience.getByRole("navigation", { name: "Scenarios" })).toBeHidden();
    } finally {
      await close();
    }
  });

  test("an audience browser on stage stays on stage when it follows the presenter onto a comparison, and has only the picture's keys there", async ({ browser }) => {
    const comparison = "queue-group-vs-jetstream";
    const { presenter, audience, close } = await audienceOnStage(browser);
    try {
      await presenter.goto(`${WORKSHOP}/compare/${comparison}`);
      await expect(audience).toHaveURL(`${WORKSHOP}/compare/${comparison}`);
      await expect(audience.getByTestId("comparison")).toHaveAttribute("data-comparison", comparison);
      await expect(audience.getByTestId("page-root")).toHaveAttribute("data-stage", "on");
      await expect(audience.getByRole("navigation", { name: "Scenarios" })).toBeHidden();
      await expectStageFloor(audience, comparisonStageParts(["nats-queue-group", "nats-jetstream"]));

      // Off stage and on again by its own key; the presenter's keys are not the audience's.
      await audience.keyboard.press("Escape");
      await expect(audience.getByTestId("page-root")).not.toHaveAttribute("data-stage", "on");
      await audience.getByRole("heading", { level: 1 }).click();
      await audience.keyboard.press("?");
      const overlay = audience.getByRole("dialog", { name: "Keyboard shortcuts" });
      expect(await overlay.getByTestId("shortcut").evaluateAll((items) => items.map((item) => item.getAttribute("data-action")))).toEqual(["stage", "help"]);
      await audience.keyboard.press("Escape");
      await expect(overlay).toBeHidden();
      await audience.keyboard.press("f");
      await expect(audience.getByTestId("page-root")).toHaveAttribute("data-stage", "on");
    } finally {
      await close();
    }
  });

  test("the shortcut list names the key", async ({ page }) => {
    await page.goto(`/scenarios/${ID}`);
    await page.getByRole("heading", { level: 1 }).click();
    await page.keyboard.press("?");
    const overlay = page.getByRole("dialog", { name: "Keyboard shortcuts" });
    await expect(overlay.locator('[data-testid="shortcut"][data-action="stage"]')).toContainText("F");
    await expect(overlay.locator('[data-testid="shortcut"][data-action="stage"]')).toContainText("Stage mode");
  });
});
