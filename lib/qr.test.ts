import jsQR from "jsqr";
import { describe, expect, it } from "vitest";
import { QUIET_ZONE_MODULES, qrSymbol } from "./qr";

/** Paints the symbol as a camera would see it: black modules on white, a few pixels each. */
function decode(rows: boolean[][], pixelsPerModule = 4): string | null {
  const side = rows.length * pixelsPerModule;
  const pixels = new Uint8ClampedArray(side * side * 4);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const dark = rows[Math.floor(y / pixelsPerModule)]?.[Math.floor(x / pixelsPerModule)] ?? false;
      pixels.set(dark ? [0, 0, 0, 255] : [255, 255, 255, 255], (y * side + x) * 4);
    }
  }
  return jsQR(pixels, side, side)?.data ?? null;
}

describe("qrSymbol", () => {
  it("encodes the text so a QR reader gets it back", () => {
    for (const url of ["http://192.168.1.20:3000/", "http://[fd00::2]:3000/", "http://10.0.0.7:65535/"]) {
      expect(decode(qrSymbol(url).rows)).toBe(url);
    }
  });

  it("keeps a blank quiet zone of four modules on every side", () => {
    const { rows, size } = qrSymbol("http://192.168.1.20:3000/");
    for (let i = 0; i < QUIET_ZONE_MODULES; i++) {
      for (const line of [rows[i], rows[size - 1 - i], rows.map((r) => r[i]), rows.map((r) => r[size - 1 - i])]) {
        expect(line?.some(Boolean)).toBe(false);
      }
    }
    // The finder pattern's corner starts right inside it.
    expect(rows[QUIET_ZONE_MODULES]?.[QUIET_ZONE_MODULES]).toBe(true);
  });

  it("draws exactly the dark modules in its path", () => {
    const { rows, path } = qrSymbol("http://192.168.1.20:3000/");
    const dark = rows.flat().filter(Boolean).length;
    const drawn = [...path.matchAll(/h(\d+)v1/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    expect(drawn).toBe(dark);
  });

  it("stays small enough for short URLs to scan from far away", () => {
    // Version 2 (25 modules) holds a LAN URL at low error correction: big modules on the wall.
    expect(qrSymbol("http://192.168.100.200:3000/").size).toBe(25 + 2 * QUIET_ZONE_MODULES);
  });
});
