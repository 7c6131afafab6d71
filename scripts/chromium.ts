import { existsSync } from "node:fs";

/** Debian's Chromium: Playwright's own browser download cannot run on our machines. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter((p): p is string => Boolean(p));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error("No Chromium found. Install it (apt-get install -y chromium) or set CHROMIUM_PATH.");
  return found;
}

/** Quiet, offline-friendly flags: no background calls to the outside world. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];
