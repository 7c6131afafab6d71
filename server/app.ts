import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import type { Duplex } from "node:stream";
import { Access } from "./access";
import { prepareActorBundle } from "./actors/spawn";
import { audienceUrls } from "./audience";
import { createApiHandler } from "./api";
import type { Config } from "./config";
import { ScenarioEngine } from "./engine";
import { attachGateway } from "./gateway";
import { HealthMonitor } from "./health";
import { log } from "./log";
import { MeasurementService, type MeasurementFiles } from "./measure/service";
import { createOtlpReceiver } from "./otlp/receiver";
import { BrokerTaps } from "./taps";
import { Witnesses } from "./taps/witness";
import type { ScenarioDefinition } from "./scenarios/model";

export interface HopscopeOptions {
  config: Config;
  scenarios: readonly ScenarioDefinition[];
  /** Serves everything outside /api and /socket.io; the Next.js handler in production. */
  pages?: (req: IncomingMessage, res: ServerResponse) => void;
  /** WebSocket upgrades that are not Socket.IO's (Next.js dev reload). */
  upgrades?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  healthIntervalMs?: number;
  /** Where measurement sets are read and saved; the project's own files by default. */
  measurementFiles?: MeasurementFiles;
}

/** The whole server with its parts injected, so tests run a real one on port 0. */
export async function createHopscope(options: HopscopeOptions) {
  const { config } = options;
  const health = new HealthMonitor(config.urls, options.healthIntervalMs, config.namespace);
  await Promise.all([health.start(), prepareActorBundle()]);
  const engine = new ScenarioEngine(options.scenarios, health, config);
  engine.startPumping();
  const access = new Access(config);
  const measurements = new MeasurementService(config.urls, options.measurementFiles);
  const taps = new BrokerTaps(config.urls, (hops) => engine.ingestObserved(hops), config.rabbitmqManagement);
  const witnesses = new Witnesses(engine, config.urls, config.namespace, config.rabbitmqManagement);
  const api = createApiHandler(engine, health, access, measurements, taps, witnesses);

  const otlp = createOtlpReceiver((hops) => engine.ingestObserved(hops));

  const server = createServer((req, res) => {
    if (req.url?.startsWith("/api/")) void api(req, res);
    else if (req.url === "/v1/traces" || req.url?.startsWith("/v1/traces?")) void receiveTraces(req, res);
    else if (options.pages) options.pages(req, res);
    else {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
    }
  });
  /** OTLP exporters post from the applications' machines: addressed to this one, like the API. */
  async function receiveTraces(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (!access.trustedHost(req.headers)) {
        res.writeHead(403, { "content-type": "application/json; charset=utf-8" });
        return void res.end(JSON.stringify({ code: 7, message: "This server only answers requests addressed to this machine" }));
      }
      await otlp(req, res);
    } catch (error) {
      log.error({ err: error }, "OTLP request failed");
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  }
  const io = attachGateway(server, engine, health, access, () => {
    const address = server.address();
    return address && typeof address === "object" ? audienceUrls(config.host, address.port, networkInterfaces()) : [];
  });
  if (options.upgrades) {
    const upgrades = options.upgrades;
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!req.url?.startsWith("/socket.io/")) upgrades(req, socket, head);
    });
  }

  return {
    server,
    io,
    engine,
    health,
    listen(port = config.port, host = config.host): Promise<AddressInfo> {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => resolve(server.address() as AddressInfo));
      });
    },
    async close(): Promise<void> {
      // No new connections while the actors stop: a command arriving now could start more.
      server.close();
      health.stop();
      await Promise.all([engine.close(), measurements.close(), taps.close(), witnesses.close()]);
      await io.close();
      // Idle keep-alive sockets and upgraded ones (Next's dev reload) would hold the server open.
      server.closeAllConnections();
    },
  };
}

export type Hopscope = Awaited<ReturnType<typeof createHopscope>>;
