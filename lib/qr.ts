import QRCode from "qrcode";

/** The blank margin a scanner needs around the symbol, in modules (the standard asks for 4). */
export const QUIET_ZONE_MODULES = 4;

export interface QrSymbol {
  /** Width and height in modules, quiet zone included. */
  size: number;
  /** Dark modules by row, quiet zone included. */
  rows: boolean[][];
  /** The dark modules as one SVG path in module units, for a crisp picture at any size. */
  path: string;
}

/**
 * A QR code made here, with no request anywhere. Low error correction: a projected code is never
 * torn or smudged, and fewer, larger modules are what a phone at the back of a room can resolve.
 */
export function qrSymbol(text: string): QrSymbol {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: "L" });
  const size = modules.size + 2 * QUIET_ZONE_MODULES;
  const rows = Array.from({ length: size }, (_, y) =>
    Array.from({ length: size }, (_, x) => {
      const row = y - QUIET_ZONE_MODULES;
      const col = x - QUIET_ZONE_MODULES;
      return row >= 0 && col >= 0 && row < modules.size && col < modules.size && modules.get(row, col) === 1;
    }),
  );
  // One rectangle per horizontal run keeps the path short, and leaves no hairline seams.
  let path = "";
  rows.forEach((row, y) => {
    let x = 0;
    while (x < size) {
      if (!row[x]) {
        x++;
        continue;
      }
      const start = x;
      while (x < size && row[x]) x++;
      path += `M${start} ${y}h${x - start}v1h${start - x}z`;
    }
  });
  return { size, rows, path };
}
