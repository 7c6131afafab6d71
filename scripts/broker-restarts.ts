/**
 * Stops and starts the brokers on this machine, each the way it runs here, so the soak can
 * take them away under load. Only local brokers: a remote one is not ours to restart.
 */
import { execFile, spawn } from "node:child_process";
import { access, readFile, readlink } from "node:fs/promises";
import { promisify } from "node:util";
import Redis from "ioredis";
import type { BrokerId } from "../lib/protocol";
import { endpointOf, probeTcp, type Endpoint } from "../server/brokers/probe";
import type { Config } from "../server/config";

const run = promisify(execFile);
const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "::1"]);
const DEFAULT_PORTS: Record<BrokerId, number> = { nats: 4222, rabbitmq: 5672, redis: 6379, kafka: 9092 };

export interface BrokerRestarter {
  broker: BrokerId;
  endpoint: Endpoint;
  /** Returns once the broker no longer takes connections. */
  stop(): Promise<void>;
  /** Returns once the broker takes connections again. */
  start(): Promise<void>;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function answers(endpoint: Endpoint): Promise<boolean> {
  return probeTcp(endpoint, null, () => true, 500).then(
    () => true,
    // Connected but silent until timed out still means a listener is there.
    (error: Error) => error.message.startsWith("no answer"),
  );
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

async function pidsOf(pgrepArgs: string[]): Promise<number[]> {
  const { stdout } = await run("pgrep", pgrepArgs).catch(() => ({ stdout: "" }));
  return stdout
    .trim()
    .split("\n")
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

async function pidOf(pgrepArgs: string[]): Promise<number | null> {
  return (await pidsOf(pgrepArgs))[0] ?? null;
}

/** The port a nats-server command line listens on: `-p 4223`, `--port=4223`; 4222 by default. */
export function natsPortOf(args: readonly string[]): number {
  for (const [i, arg] of args.entries()) {
    const inline = /^--?(?:p|port)=(\d+)$/.exec(arg);
    if (inline) return Number(inline[1]);
    if (/^--?(?:p|port)$/.test(arg) && args[i + 1] !== undefined) return Number(args[i + 1]);
  }
  return 4222;
}

/**
 * The nats-server that serves this port: a machine may run several (one that traces messages
 * beside an older one), and the soak must take away the one its scenarios use.
 */
async function natsPidOn(port: number): Promise<number | null> {
  for (const pid of await pidsOf(["-x", "nats-server"])) {
    const args = await readFile(`/proc/${pid}/cmdline`, "utf8").then(
      (cmdline) => cmdline.split("\0").filter(Boolean).slice(1),
      () => null,
    );
    if (args && natsPortOf(args) === port) return pid;
  }
  return null;
}

/**
 * A broker process stopped with SIGTERM and started again with the very command line and
 * working directory it ran with: nats-server keeps its JetStream store, Kafka its log dirs,
 * whoever started them (the machine, `scripts/brokers.sh`, another checkout's `scripts/kafka.sh`).
 */
async function sameCommandRestarter(broker: BrokerId, endpoint: Endpoint, findPid: () => Promise<number | null>): Promise<BrokerRestarter> {
  const pid = await findPid();
  if (!pid) throw new Error(`no ${broker} process on this machine`);
  const [command, ...args] = (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0").filter(Boolean);
  // Its directory may be gone since (a checkout deleted after it started the broker).
  const ranIn = await readlink(`/proc/${pid}/cwd`);
  const cwd = await access(ranIn).then(
    () => ranIn,
    () => "/",
  );
  if (!command) throw new Error(`could not read ${broker}'s command line`);
  return {
    broker,
    endpoint,
    async stop() {
      const current = await findPid();
      if (current) process.kill(current, "SIGTERM");
      await until(`${broker} did not stop`, async () => !(await findPid()) && !(await answers(endpoint)), 60_000);
    },
    async start() {
      const child = spawn(command, args, { cwd, detached: true, stdio: "ignore" });
      let failed: Error | null = null;
      child.once("error", (error) => (failed = error));
      child.unref();
      await until(`${broker} did not answer`, async () => {
        if (failed) throw new Error(`${broker} could not be started again: ${(failed as Error).message}`);
        return answers(endpoint);
      }, 90_000);
    },
  };
}

/** RabbitMQ's application stops and starts inside its running node: queues on disk stay. */
function rabbitmqRestarter(endpoint: Endpoint): BrokerRestarter {
  return {
    broker: "rabbitmq",
    endpoint,
    async stop() {
      await run("rabbitmqctl", ["stop_app"], { timeout: 60_000 });
      await until("RabbitMQ's listener did not close", async () => !(await answers(endpoint)), 30_000);
    },
    async start() {
      await run("rabbitmqctl", ["start_app"], { timeout: 120_000 });
      await until("RabbitMQ did not answer", () => answers(endpoint), 60_000);
    },
  };
}

/** Redis, shut down without saving and started again with the settings it ran with. */
async function redisRestarter(url: string, endpoint: Endpoint): Promise<BrokerRestarter> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const setting = async (name: string) => ((await redis.config("GET", name)) as string[])[1] ?? "";
  const [bind, dir, logfile, save, appendonly] = [await setting("bind"), await setting("dir"), await setting("logfile"), await setting("save"), await setting("appendonly")];
  redis.disconnect();
  return {
    broker: "redis",
    endpoint,
    async stop() {
      const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      await client.connect();
      await client.call("SHUTDOWN", "NOSAVE").catch(() => undefined);
      client.disconnect();
      await until("Redis did not stop", async () => !(await answers(endpoint)), 30_000);
    },
    async start() {
      const args = ["--daemonize", "yes", "--port", String(endpoint.port), "--save", save, "--appendonly", appendonly, "--dir", dir];
      if (bind) args.push("--bind", ...bind.split(" "));
      if (logfile) args.push("--logfile", logfile);
      await run("redis-server", args);
      await until("Redis did not answer", () => answers(endpoint), 30_000);
    },
  };
}

/** A restarter for each broker, or why there is none (a remote broker, one not running). */
export async function restarterFor(broker: BrokerId, urls: Config["urls"]): Promise<BrokerRestarter> {
  const endpoint = endpointOf(urls[broker], DEFAULT_PORTS[broker]);
  if (!LOCAL_HOSTS.has(endpoint.host)) throw new Error(`${broker} runs on ${endpoint.host}, not on this machine`);
  switch (broker) {
    case "nats":
      return sameCommandRestarter("nats", endpoint, () => natsPidOn(endpoint.port));
    case "rabbitmq":
      return rabbitmqRestarter(endpoint);
    case "redis":
      return redisRestarter(urls.redis, endpoint);
    case "kafka":
      return sameCommandRestarter("kafka", endpoint, () => pidOf(["-f", "kafka\\.Kafka "]));
  }
}
