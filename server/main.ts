import next from "next";
import { networkInterfaces } from "node:os";
import { fileURLToPath } from "node:url";
import { createHopscope } from "./app";
import { audienceUrls } from "./audience";
import { ConfigError, disableNextTelemetry, loadConfig, type Config } from "./config";
import { log } from "./log";
import { allowedHosts, refuseOutboundFetches } from "./offline";
import { SHUTDOWN_DEADLINE_MS, SIGNAL_ECHO_WINDOW_MS } from "./options";
import { SCENARIOS } from "./scenarios";
import { createShutdown, SHUTDOWN_SIGNALS } from "./shutdown";
import { VERSION } from "./version";

function printBanner(config: Config, port: number): void {
  const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
  const base = `http://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${port}`;
  const mode = !config.dashboard ? " (API and Socket.IO only: HOPSCOPE_DASHBOARD=off)" : config.dev ? " (development: hot reload)" : "";
  console.log(`\n  Hopscope ${VERSION} is live at ${base}${mode}`);
  if (config.requireToken) {
    console.log(`  Presenter URL (keep it to yourself): ${base}/?token=${config.token}`);
    const lan = audienceUrls(config.host, port, networkInterfaces());
    console.log(`  Audience URL: ${lan.length > 0 ? lan.join("  or  ") : `http://<this machine's address>:${port}/`}`);
  }
  console.log("");
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }

  disableNextTelemetry();
  refuseOutboundFetches(allowedHosts({ ...config.urls, rabbitmqManagement: config.rabbitmqManagement }), (url) => log.warn({ host: url.host }, "refused an outbound request: Hopscope reaches only loopback and its brokers"));
  let pages: ReturnType<typeof next> | undefined;
  if (config.dashboard) {
    pages = next({ dev: config.dev, dir: fileURLToPath(new URL("..", import.meta.url)), hostname: config.host, port: config.port });
    await pages.prepare();
  }
  const hopscope = await createHopscope({
    config,
    scenarios: SCENARIOS,
    pages: pages?.getRequestHandler(),
    upgrades: config.dev ? pages?.getUpgradeHandler() : undefined,
  });
  const address = await hopscope.listen().catch((error: NodeJS.ErrnoException) => {
    console.error(error.code === "EADDRINUSE" ? `Port ${config.port} is in use; set PORT to another one.` : error.message);
    process.exit(1);
  });
  printBanner(config, address.port);

  // Registered only now: before there is anything to stop, a signal's default (exit) is right.
  const onSignal = createShutdown({
    close: () => hopscope.close(),
    exit: (code) => process.exit(code),
    say: (message) => console.log(message),
    deadlineMs: SHUTDOWN_DEADLINE_MS,
    echoWindowMs: SIGNAL_ECHO_WINDOW_MS,
  });
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onSignal);
  process.on("unhandledRejection", (reason) => log.error({ err: reason }, "unhandled rejection"));
}

void main();
