import next from "next";
import { networkInterfaces } from "node:os";
import { fileURLToPath } from "node:url";
import { createHopscope } from "./app";
import { ConfigError, loadConfig, type Config } from "./config";
import { SCENARIOS } from "./scenarios";

function printBanner(config: Config, port: number): void {
  const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
  const base = `http://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${port}`;
  console.log(`\n  Hopscope is live at ${base}`);
  if (config.requireToken) {
    console.log(`  Presenter URL (keep it to yourself): ${base}/?token=${config.token}`);
    const lan = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i && i.family === "IPv4" && !i.internal)
      .map((i) => `http://${i?.address}:${port}/`);
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

  const pages = next({ dev: config.dev, dir: fileURLToPath(new URL("..", import.meta.url)), hostname: config.host, port: config.port });
  await pages.prepare();
  const hopscope = await createHopscope({
    config,
    scenarios: SCENARIOS,
    pages: pages.getRequestHandler(),
    upgrades: config.dev ? pages.getUpgradeHandler() : undefined,
  });
  const address = await hopscope.listen().catch((error: NodeJS.ErrnoException) => {
    console.error(error.code === "EADDRINUSE" ? `Port ${config.port} is in use; set PORT to another one.` : error.message);
    process.exit(1);
  });
  printBanner(config, address.port);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    console.log(`\n${signal}: stopping actors…`);
    hopscope.close().finally(() => process.exit(0));
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("unhandledRejection", (reason) => console.error("unhandled rejection", reason));
}

void main();
