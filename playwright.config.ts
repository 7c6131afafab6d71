import { defineConfig } from "@playwright/test";
import { CHROMIUM_ARGS, chromiumPath } from "./scripts/chromium";
import { NAMESPACE, PORT, WORKSHOP_NAMESPACE, WORKSHOP_PORT, WORKSHOP_TOKEN } from "./tests/e2e/servers";

/** Specs that touch no broker: shipped recordings and pages that run nothing. */
const BROKERLESS = /(visual|replays|a11y-pages)\.spec\.ts$/;

export default defineConfig({
  testDir: "tests/e2e",
  fullyParallel: false,
  // Live specs share one server and its brokers, one test at a time. The pictures, the recordings
  // on stage and the accessibility of pages that run nothing touch no broker, so they run beside
  // the live ones on the second core.
  workers: 2,
  projects: [
    { name: "live", testIgnore: BROKERLESS, workers: 1 },
    { name: "pictures", testMatch: BROKERLESS, workers: 1 },
  ],
  // Baselines are named without the project, as they were before the projects split.
  snapshotPathTemplate: "{snapshotDir}/{testFileDir}/{testFileName}-snapshots/{arg}{-snapshotSuffix}{ext}",
  retries: 0,
  forbidOnly: true,
  timeout: 60_000,
  // A few antialiased pixels of React Flow's edge labels land differently from run to run; any
  // real change to a picture moves thousands.
  expect: { timeout: 15_000, toHaveScreenshot: { maxDiffPixels: 120 } },
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    viewport: { width: 1440, height: 1000 },
    launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
    trace: "off",
    screenshot: "only-on-failure",
  },
  webServer: [
    {
      // The production build of `npm test`'s build step, served by the real custom server.
      command: "npx tsx server/main.ts",
      env: { NODE_ENV: "production", PORT: String(PORT), HOST: "127.0.0.1", HOPSCOPE_NAMESPACE: NAMESPACE },
      url: `http://127.0.0.1:${PORT}/api/health`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      // A workshop server: listening beyond loopback, so only the token's holder presents.
      command: "npx tsx server/main.ts",
      env: { NODE_ENV: "production", PORT: String(WORKSHOP_PORT), HOST: "0.0.0.0", HOPSCOPE_TOKEN: WORKSHOP_TOKEN, HOPSCOPE_NAMESPACE: WORKSHOP_NAMESPACE },
      url: `http://127.0.0.1:${WORKSHOP_PORT}/api/health`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "ignore",
      stderr: "pipe",
    },
  ],
});
