import { expect, type Locator, type Page } from "@playwright/test";

/** Stage mode's floor: what a room reads off a projector at 1280×720. */
export const FLOOR_PX = 16;

interface Measured {
  text: string;
  px: number;
}

/**
 * Every text node that shows on screen inside `root`, with the size it is drawn at: its computed
 * font size times every scale between it and the screen (React Flow's zoom is a CSS transform,
 * an SVG may be drawn at another size than its viewBox).
 */
export async function drawnTextSizes(root: Locator): Promise<Measured[]> {
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

/** Topology, sequence, ledger and latency (or the parts named): every text on screen is drawn at the floor or above. */
export async function expectStageFloor(page: Page, testIds: readonly string[] = ["topology", "sequence", "ledger-panel", "latency"]) {
  for (const name of testIds) {
    const root: Locator = page.getByTestId(name);
    await expect(root, `${name} shows on stage`).toBeVisible();
    const sizes = await drawnTextSizes(root);
    expect(sizes.length, `${name} has text on screen`).toBeGreaterThan(2);
    const small = sizes.filter((s) => s.px < FLOOR_PX - 0.01);
    expect(small, `${name}: text drawn under ${FLOOR_PX} px`).toEqual([]);
  }
}

/** The parts of a comparison the room reads on stage: header, table and every side. */
export const comparisonStageParts = (sides: readonly string[]) => ["comparison", "comparison-result", ...sides.map((side) => `side-${side}`)];
