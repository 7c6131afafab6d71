import { networkInterfaces } from "node:os";
import { expect, test, type APIRequestContext, type Locator, type Page } from "@playwright/test";
import jsQR from "jsqr";
import { PNG } from "pngjs";
import { openStartedScenario } from "./scenario-page";
import { WORKSHOP_PORT, WORKSHOP_TOKEN } from "./servers";

const WORKSHOP = `http://127.0.0.1:${WORKSHOP_PORT}`;
const ID = "nats-request-reply";

/** Reads a QR code off the screen, as a phone's camera would. */
async function decodeQr(element: Locator): Promise<string | null> {
  const png = PNG.sync.read(await element.screenshot());
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? null;
}

interface ScenarioState {
  running: boolean;
  actors: { id: string; role: string; alive: boolean }[];
  ledger: { published: number };
}

async function stateOf(request: APIRequestContext): Promise<ScenarioState> {
  return (await (await request.get(`/api/scenarios/${ID}/state`)).json()) as ScenarioState;
}

const aliveResponders = async (request: APIRequestContext) => (await stateOf(request)).actors.filter((a) => a.role === "responder" && a.alive).length;

async function openFresh(page: Page, request: APIRequestContext) {
  await openStartedScenario(page, request, ID, "Send request");
  // Keys go to the page, not to a button that happens to hold focus.
  await page.getByRole("heading", { level: 1 }).click();
}

test.describe("the join card", () => {
  test("shows a workshop's audience URL as a QR code that scans, and how many watch", async ({ browser }, testInfo) => {
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i?.family === "IPv4" && !i.internal)
      .map((i) => `http://${i?.address}:${WORKSHOP_PORT}/`);
    expect(external.length, "the join card needs this machine to have a LAN address").toBeGreaterThan(0);

    const presenterContext = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const audienceContext = await browser.newContext();
    try {
      const presenter = await presenterContext.newPage();
      await presenter.goto(`${WORKSHOP}/?token=${WORKSHOP_TOKEN}`);
      await expect(presenter.getByTestId("connection")).toHaveText("live · presenter");

      const join = presenter.getByRole("button", { name: "Join" });
      await join.click();
      const card = presenter.getByRole("dialog", { name: "Watch along" });
      await expect(card).toBeVisible();
      // The browser was told the address by the server, which knows its network; the page's own
      // address (127.0.0.1) would lead every phone in the room to itself.
      const url = await card.getByTestId("join-url").getAttribute("data-url");
      expect(external).toContain(url);
      await expect(card.getByTestId("join-url")).toHaveText((url ?? "").replace(/\/$/, ""));

      const qr = card.getByTestId("join-qr");
      const box = await qr.boundingBox();
      expect(box?.width ?? 0).toBeGreaterThanOrEqual(320);
      expect(await decodeQr(qr)).toBe(url);
      await expect(card.getByTestId("join-watching-count")).toHaveText("0");
      await presenter.screenshot({ path: testInfo.outputPath("join-card-light.png") });

      // Someone scans it: the count goes up while the card is open.
      const audience = await audienceContext.newPage();
      await audience.goto(url!.replace(/^http:\/\/[^/]+/, WORKSHOP));
      await expect(audience.getByTestId("connection")).toHaveText("live · watching");
      await expect(card.getByTestId("join-watching-count")).toHaveText("1");
      await expect(card.getByTestId("join-watching")).toContainText("1 browser watching");

      // Escape closes it, and focus goes back to the button that opened it.
      await presenter.keyboard.press("Escape");
      await expect(card).toBeHidden();
      await expect(join).toBeFocused();

      // Black on white in the dark theme as well, and closed by its button.
      await presenter.getByRole("button", { name: "Switch to dark mode" }).click();
      await join.click();
      await expect(card.getByRole("button", { name: "Close" })).toBeFocused();
      expect(await decodeQr(qr)).toBe(url);
      await presenter.screenshot({ path: testInfo.outputPath("join-card-dark.png") });
      await card.getByRole("button", { name: "Close" }).click();
      await expect(card).toBeHidden();
      await expect(join).toBeFocused();
      await presenter.getByRole("button", { name: "Switch to light mode" }).click();
    } finally {
      await presenterContext.close();
      await audienceContext.close();
    }
  });

  test("is not offered while Hopscope listens on loopback only", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByTestId("connection")).toHaveText("live · presenter");
    await expect(page.getByRole("link", { name: /Request \/ reply/ }).first()).toBeVisible();
    await expect(page.getByTestId("join-button")).toHaveCount(0);
  });
});

test.describe("keyboard shortcuts", () => {
  test.setTimeout(120_000);

  test("every shortcut does what its button does", async ({ page, request }) => {
    await openFresh(page, request);
    const published = page.getByTestId("ledger-published").getByTestId("ledger-value");

    await page.keyboard.press("s");
    await expect(published).toHaveText("1");
    await page.keyboard.press("b");
    await expect(published).toHaveText("21");
    await expect.poll(async () => (await stateOf(request)).ledger.published).toBe(21);

    const before = await aliveResponders(request);
    // The kill key's next victim is named on its button, and is the one that dies.
    const victim = (await stateOf(request)).actors.find((a) => a.role === "responder" && a.alive);
    const victimNode = page.getByTestId(`node-${victim?.id}`);
    await expect(victimNode.getByRole("button", { name: `Kill ${victim?.id}` })).toHaveAttribute("aria-keyshortcuts", "K");
    await page.keyboard.press("k");
    await expect.poll(() => aliveResponders(request)).toBe(before - 1);
    await expect(victimNode).toHaveAttribute("data-alive", "false");
    await expect(page.getByRole("region", { name: "Controls" }).getByRole("status")).toContainText("SIGKILL sent to");
    await page.keyboard.press("a");
    await expect.poll(() => aliveResponders(request)).toBe(before);
    await expect(page.getByRole("region", { name: "Controls" }).getByRole("status")).toContainText("Added");

    // The picture's pace: paused, a message is counted at once but drawn one hop per step.
    await request.post(`/api/scenarios/${ID}/commands`, { data: { type: "reset" } });
    await expect(published).toHaveText("0");
    const pause = page.getByRole("button", { name: /pause|resume/ });
    const arrows = page.getByTestId("sequence").getByTestId("arrow");
    await page.keyboard.press("p");
    await expect(pause).toHaveAttribute("aria-pressed", "true");
    await page.keyboard.press("s");
    await expect(published).toHaveText("1");
    await expect(page.getByRole("button", { name: "step ›" })).toBeEnabled();
    await expect(arrows).toHaveCount(0);
    await page.keyboard.press(".");
    await expect(arrows).toHaveCount(1);
    await page.keyboard.press(".");
    await expect(arrows).toHaveCount(2);
    await page.keyboard.press("p");
    await expect(pause).toHaveAttribute("aria-pressed", "false");

    const speed = (label: string) => page.getByRole("group", { name: "Animation speed" }).getByRole("button", { name: label, exact: true });
    await expect(speed("1×")).toHaveAttribute("aria-pressed", "true");
    await page.keyboard.press("-");
    await expect(speed("0.5×")).toHaveAttribute("aria-pressed", "true");
    await page.keyboard.press("-");
    await expect(speed("0.25×")).toHaveAttribute("aria-pressed", "true");
    await page.keyboard.press("+");
    await expect(speed("0.5×")).toHaveAttribute("aria-pressed", "true");
    await page.keyboard.press("=");
    await expect(speed("1×")).toHaveAttribute("aria-pressed", "true");

    // The buttons say which key they answer to.
    await expect(page.getByRole("button", { name: "Send request" })).toHaveAttribute("aria-keyshortcuts", "S");
    await expect(page.getByRole("button", { name: "Send burst" })).toHaveAttribute("title", /\(B\)$/);
    await expect(pause).toHaveAttribute("aria-keyshortcuts", "P");
  });

  test("no shortcut fires while typing, and ? lists them all", async ({ page, request }, testInfo) => {
    await page.setViewportSize({ width: 1280, height: 720 });
    await openFresh(page, request);
    const alive = await aliveResponders(request);
    const pause = page.getByRole("button", { name: /pause|resume/ });

    const burstSize = page.getByLabel("Burst size");
    await burstSize.focus();
    for (const key of ["s", "b", "k", "a", "p", "-", "f", "?"]) await page.keyboard.press(key);
    await expect(burstSize).toBeFocused();
    // Long enough for a publish or a kill to have shown, had one been sent.
    await page.waitForTimeout(1500);
    expect((await stateOf(request)).ledger.published).toBe(0);
    expect(await aliveResponders(request)).toBe(alive);
    await expect(pause).toHaveAttribute("aria-pressed", "false");
    await expect(page.getByRole("dialog")).toHaveCount(0);
    await expect(page.getByTestId("page-root")).not.toHaveAttribute("data-stage", "on");

    await page.getByRole("heading", { level: 1 }).click();
    await page.keyboard.press("?");
    const overlay = page.getByRole("dialog", { name: "Keyboard shortcuts" });
    await expect(overlay).toBeVisible();
    await expect(overlay.getByTestId("shortcut")).toHaveCount(10);
    for (const label of ["Send one message", "Send a burst", "Kill the next killable actor", "Add one actor", "Pause or resume", "Step", "Slower motion", "Faster"]) await expect(overlay).toContainText(label);
    await expect(overlay).toContainText("Stage mode");
    await page.screenshot({ path: testInfo.outputPath("shortcuts-overlay-light.png") });

    // While it is open, the keys wait: Escape is the overlay's.
    await page.keyboard.press("s");
    await page.keyboard.press("Escape");
    await expect(overlay).toBeHidden();
    await page.waitForTimeout(500);
    expect((await stateOf(request)).ledger.published).toBe(0);

    // Opened by its button too, which gets focus back when it closes.
    const button = page.getByRole("button", { name: /Shortcuts/ });
    await button.click();
    await expect(overlay).toBeVisible();
    await page.getByRole("button", { name: "Switch to dark mode" }).evaluate((b: HTMLElement) => b.click());
    await page.screenshot({ path: testInfo.outputPath("shortcuts-overlay-dark.png") });
    await overlay.getByRole("button", { name: "Close" }).click();
    await expect(overlay).toBeHidden();
    await expect(button).toBeFocused();
    await page.getByRole("button", { name: "Switch to light mode" }).click();
  });
});
