import { expect, test, type APIRequestContext, type Locator, type Page } from "@playwright/test";
import { SCENARIO_START_MS, WORKSHOP_PORT, WORKSHOP_TOKEN } from "./servers";

const WORKSHOP = `http://127.0.0.1:${WORKSHOP_PORT}`;

/**
 * Stage mode, for the projector: the picture alone, nothing the room reads under 16 px at
 * 1280×720, on and off by a key that leaves typing alone.
 */
const ID = "rabbitmq-work-queue";
const FLOOR_PX = 16;

async function openRunning(page: Page, request: APIRequestContext) {
  await request.post(`/api/scenarios/${ID}/stop`);
  await page.goto(`/scenarios/${ID}`);
  await page.getByRole("button", { name: "Start scenario" }).click();
  await expect(page.getByRole("button", { name: "Send burst" })).toBeVisible({ timeout: SCENARIO_START_MS });
  await request.post(`/api/scenarios/${ID}/commands`, { data: { type: "reset" } });
  await expect(page.getByTestId("ledger-published").getByTestId("ledger-value")).toHaveText("0");
}

interface Measured {
  text: string;
  px: number;
}

/**
 * Every text node that shows on screen inside `root`, with the size it is drawn at: its computed
 * font size times every scale between it and the screen (React Flow's zoom is a CSS transform,
 * an SVG may be drawn at another size than its viewBox).
 */
async function drawnTextSizes(root: Locator): Promise<Measured[]> {
  return root.evaluate((element) => {
    const scaleOf = (transform: string): number => {
      if (!transform || transform === "none") return 1;
      const m = new DOMMatrixReadOnly(transform);
      return Math.sqrt(m.a * m.a + m.b * m.b);
    };
    const htmlScale = (from: Element | null): number => {
      let scale = 1;
      for (let el = from; el; el = el.parentElement) {
        const style = getComputedStyle(el);
        scale *= scaleOf(style.transform) * (Number(style.zoom) || 1);
      }
      return scale;
    };
    /** The part of `rect` no scrolling or clipping ancestor hides, or null. */
    const shown = (rect: DOMRect, from: Element): boolean => {
      let [left, top, right, bottom] = [rect.left, rect.top, rect.right, rect.bottom];
      for (let el = from.parentElement; el; el = el.parentElement) {
        const style = getComputedStyle(el);
        if (style.overflowX === "visible" && style.overflowY === "visible") continue;
        const box = el.getBoundingClientRect();
        [left, top, right, bottom] = [Math.max(left, box.left), Math.max(top, box.top), Math.min(right, box.right), Math.min(bottom, box.bottom)];
      }
      [left, top, right, bottom] = [Math.max(left, 0), Math.max(top, 0), Math.min(right, innerWidth), Math.min(bottom, innerHeight)];
      // Most of a line must show to count: a row cut by its scroller's edge is not read.
      return right - left > 2 && bottom - top > (rect.bottom - rect.top) / 2;
    };
    const out: { text: string; px: number }[] = [];
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent?.trim() ?? "";
      const parent = node.parentElement;
      if (!text || !parent || parent.closest("title, style, script")) continue;
      if (!parent.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
      if (!rects.some((r) => shown(r, parent))) continue;
      const size = parseFloat(getComputedStyle(parent).fontSize);
      let scale: number;
      if (parent instanceof SVGGraphicsElement) {
        // From the SVG's user units to the screen, CSS transforms of its HTML ancestors included.
        const ctm = parent.getScreenCTM();
        scale = ctm ? Math.sqrt(ctm.a * ctm.a + ctm.b * ctm.b) : htmlScale(parent);
      } else scale = htmlScale(parent);
      out.push({ text, px: Math.round(size * scale * 100) / 100 });
    }
    return out;
  });
}

async function expectFloor(page: Page) {
  const parts: [string, Locator][] = [
    ["topology", page.getByTestId("topology")],
    ["sequence", page.getByTestId("sequence")],
    ["ledger", page.getByTestId("ledger-panel")],
    ["latency", page.getByTestId("latency")],
  ];
  for (const [name, root] of parts) {
    await expect(root, `${name} shows on stage`).toBeVisible();
    const sizes = await drawnTextSizes(root);
    expect(sizes.length, `${name} has text on screen`).toBeGreaterThan(2);
    const small = sizes.filter((s) => s.px < FLOOR_PX - 0.01);
    expect(small, `${name}: text drawn under ${FLOOR_PX} px`).toEqual([]);
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
    await expectFloor(page);
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
    await expect(page.getByTestId("stage-button")).toHaveAttribute("aria-pressed", "true");
    await page.getByRole("heading", { level: 1 }).click();
    await page.keyboard.press("f");
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
      await expectFloor(page);
      await page.screenshot({ path: testInfo.outputPath("stage-dark.png") });
    } finally {
      await request.post(`${WORKSHOP}/api/scenarios/${ID}/stop`, { headers: auth });
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
