/**
 * `npm run bench`: what the hop pipeline sustains, measured end to end.
 *   0. fidelity: each round trip a scenario shows, against a bare client doing the same in
 *      the same run, and each scenario's throughput with hop reporting on against the same
 *      actors only counting their hops (scripts/bench-fidelity.ts); real brokers.
 *   taps: each broker tap's cost, the broker measured with it on and off (scripts/bench-taps.ts).
 *   1. latency: at 1,000 hops/s, from the actor's timestamp to receipt in headless Chromium.
 *   2. ingest: emitters flat out; hops sequenced per second and the event loop's lag.
 *   3. memory: the server's RSS and heap over a long ingest (5 million hops by default).
 *   4. page: a scenario page's JS heap in headless Chromium over a long session (10 minutes at
 *      500 hops/s by default), served by the production build.
 * Synthetic emitter processes feed the real pipeline (IPC, ordering, ledger, Socket.IO), so
 * the figures are Hopscope's own, not a broker's.
 *
 * Flags (npm run bench -- --flag value): --only fidelity,latency,ingest,memory,page  --memory-hops N
 * --memory-rate HOPS_PER_S (0: full speed)  --page-minutes M  --page-rate HOPS_PER_S
 * --fidelity-rate OPS_PER_S  --fidelity-seconds S  --fidelity-rounds N  --throughput-rounds N (0: no throughput turns)
 * --fidelity-scenarios ID,ID (default: every one it knows)  --taps-seconds S  --taps-rounds N
 */
import { chromium } from "@playwright/test";
import next from "next";
import type { IncomingMessage, ServerResponse } from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { percentile } from "../lib/latency";
import { createHopscope } from "../server/app";
import { loadConfig } from "../server/config";
import { BENCH_SCENARIO } from "../server/bench/scenario";
import { FIDELITY_SCENARIOS, fidelity } from "./bench-fidelity";
import { tapCost } from "./bench-taps";
import { ensureProductionBuild, memoryIngest, pageHeap, type BenchHarness } from "./bench-memory";
import { CHROMIUM_ARGS, chromiumPath } from "./chromium";
import { parseFlags } from "./flags";

const LATENCY_RATE = 1_000;
const LATENCY_SECONDS = 10;
const INGEST_SECONDS = 6;
const INGEST_EMITTERS = 2;
/** The lag target is stated at this sustained rate, spread over the emitters. */
const PACED_RATE = 20_000;
const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));

const SECTIONS = ["fidelity", "taps", "latency", "ingest", "memory", "page"] as const;
type Section = (typeof SECTIONS)[number];

const optionsSchema = z.object({
  only: z
    .string()
    .default(SECTIONS.join(","))
    .transform((list) => list.split(",").map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.enum(SECTIONS)).min(1)),
  "memory-hops": z.coerce.number().int().min(10_000).default(5_000_000),
  "memory-rate": z.coerce.number().int().min(0).default(PACED_RATE),
  "page-minutes": z.coerce.number().positive().max(24 * 60).default(10),
  "page-rate": z.coerce.number().int().min(3).max(100_000).default(500),
  "fidelity-rate": z.coerce.number().int().min(1).max(2_000).default(100),
  // Short turns, many of them: a burst of load on this machine then falls on both sides alike.
  "fidelity-seconds": z.coerce.number().positive().max(600).default(1),
  "fidelity-rounds": z.coerce.number().int().min(1).max(20).default(6),
  "throughput-rounds": z.coerce.number().int().min(0).max(20).default(3),
  "taps-seconds": z.coerce.number().min(0.5).max(30).default(3),
  "taps-rounds": z.coerce.number().int().min(1).max(10).default(2),
  "fidelity-scenarios": z
    .string()
    .optional()
    .transform((list) => list?.split(",").map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.enum(FIDELITY_SCENARIOS as [string, ...string[]])).min(1).optional()),
});
type Options = z.infer<typeof optionsSchema>;

function parseOptions(argv: string[]): Options {
  return parseFlags(optionsSchema, argv);
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>bench</title>
<script src="/socket.io/socket.io.js"></script>
<script>
  window.latencies = []; window.received = 0;
  const socket = io({ transports: ["websocket"] });
  socket.on("connect", () => socket.emit("watch", { scenarioId: "bench" }, () => { window.watching = true; }));
  socket.on("hops", (batch) => {
    const now = performance.timeOrigin + performance.now();
    window.received += batch.hops.length;
    if (window.recording) for (const hop of batch.hops) window.latencies.push(now - hop.at);
  });
</script>`;

/** What the pages handler serves: the bare watcher page always, the dashboard once loaded. */
type PagesHandler = (req: IncomingMessage, res: ServerResponse) => void;

function servePage(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/html" });
  res.end(PAGE);
}

function fmt(ms: number | null): string {
  return ms === null ? "n/a" : `${ms.toFixed(2)} ms`;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const runs = (section: Section) => options.only.includes(section);
  // First, on a quiet machine: the other sections load it on purpose.
  const figures = runs("fidelity") ? await fidelity({ rate: options["fidelity-rate"], seconds: options["fidelity-seconds"], rounds: options["fidelity-rounds"], throughputRounds: options["throughput-rounds"], scenarios: options["fidelity-scenarios"] }) : null;
  const worstTap = runs("taps") ? await tapCost({ seconds: options["taps-seconds"], rounds: options["taps-rounds"] }) : null;
  if (options.only.every((section) => section === "fidelity" || section === "taps")) {
    if (figures?.worstLatency != null) console.log(`\nWorst shown / bare latency: ${figures.worstLatency.toFixed(2)}× (target 1.3×)`);
    if (figures?.worstThroughput != null) console.log(`Worst throughput with / without hop reporting: ${figures.worstThroughput.toFixed(2)}× (target 0.9×)`);
    if (worstTap !== null) console.log(`Worst throughput with / without a broker tap: ${worstTap.toFixed(2)}×`);
    return;
  }
  // Built before anything starts, so the build does not compete with the measurements.
  if (runs("page")) ensureProductionBuild(PROJECT_ROOT);
  const config = loadConfig({ ...process.env, PORT: "0", HOST: "127.0.0.1" });
  // The dashboard is loaded only for the page run: the other figures stay those of the pipeline.
  let dashboard: PagesHandler | null = null;
  const pages: PagesHandler = (req, res) => {
    if (req.url === "/bench") servePage(res);
    else if (dashboard) dashboard(req, res);
    else {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
    }
  };
  const hopscope = await createHopscope({ config, scenarios: [BENCH_SCENARIO], pages });
  const { port } = await hopscope.listen(0, "127.0.0.1");
  const base = `http://127.0.0.1:${port}`;
  const engine = hopscope.engine;
  const must = <T>(result: { ok: true; result: T } | { ok: false; error: { message: string } }): T => {
    if (!result.ok) throw new Error(result.error.message);
    return result.result;
  };

  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  const verdicts: [string, boolean][] = [];
  try {
    must(await engine.start("bench"));
    const page = await browser.newPage();
    await page.goto(`${base}/bench`);
    await page.waitForFunction(() => (window as unknown as { watching?: boolean }).watching === true);
    const harness: BenchHarness = { hopscope, base, browser, watcher: page, must };

    if (runs("latency")) {
      console.log(`Latency: ${LATENCY_RATE} hops/s for ${LATENCY_SECONDS} s, actor → headless Chromium`);
      await page.evaluate(() => ((window as unknown as { recording: boolean }).recording = true));
      for (let second = 0; second < LATENCY_SECONDS; second++) {
        must(await engine.command("bench", { type: "publish", count: LATENCY_RATE }));
        process.stdout.write(".");
      }
      await new Promise((r) => setTimeout(r, 500));
      await page.evaluate(() => ((window as unknown as { recording: boolean }).recording = false));
      const latencies = (await page.evaluate(() => (window as unknown as { latencies: number[] }).latencies)).sort((a, b) => a - b);
      console.log(`\n  received ${latencies.length} of ${LATENCY_RATE * LATENCY_SECONDS} hops`);
      console.log(`  hop→browser p50 ${fmt(percentile(latencies, 50))}  p99 ${fmt(percentile(latencies, 99))}  max ${fmt(latencies.at(-1) ?? null)}`);
    }

    if (runs("ingest")) {
      for (let i = 1; i < INGEST_EMITTERS; i++) must(await engine.command("bench", { type: "add-actor", role: "emitter" }));
      const emitters = must(engine.state("bench")).actors.filter((a) => a.alive).length;

      const ingest = async (label: string, rate: number) => {
        must(await engine.command("bench", { type: "reset" }));
        must(await engine.command("bench", { type: "set", rate, acks: 0 }));
        console.log(`\n${label}`);
        const lag = monitorEventLoopDelay({ resolution: 5 });
        const startSeq = engine.bus.lastSeq;
        const started = performance.now();
        const deadline = started + INGEST_SECONDS * 1000;
        lag.enable();
        // Each emitter gets its own stream of publish calls so they run side by side.
        await Promise.all(
          Array.from({ length: emitters }, async () => {
            while (performance.now() < deadline) must(await engine.command("bench", { type: "publish", count: 1000 }));
          }),
        );
        const elapsedS = (performance.now() - started) / 1000;
        await new Promise((r) => setTimeout(r, 300));
        lag.disable();
        const sequenced = engine.bus.lastSeq - startSeq;
        console.log(`  sequenced ${sequenced} hops in ${elapsedS.toFixed(2)} s: ${Math.round(sequenced / elapsedS).toLocaleString("en-US")} hops/s`);
        console.log(`  event-loop lag p50 ${(lag.percentile(50) / 1e6).toFixed(2)} ms  p99 ${(lag.percentile(99) / 1e6).toFixed(2)} ms  max ${(lag.max / 1e6).toFixed(2)} ms`);
      };
      await ingest(`Ingest, paced: ${emitters} emitters at ${PACED_RATE.toLocaleString("en-US")} hops/s in all for ${INGEST_SECONDS} s, browser watching`, PACED_RATE / emitters);
      await ingest(`Ingest, flat out: ${emitters} emitters as fast as they can for ${INGEST_SECONDS} s (they compete with the server for the cores)`, 0);
      console.log("\nTargets: p50 ≤ 25 ms, p99 ≤ 60 ms at 1,000 hops/s; ≥ 20,000 hops/s ingest with event-loop lag p99 ≤ 20 ms.");
    }

    if (runs("memory")) verdicts.push(["server memory", await memoryIngest(harness, { hops: options["memory-hops"], rate: options["memory-rate"] })]);

    if (runs("page")) {
      const app = next({ dev: false, dir: PROJECT_ROOT, hostname: "127.0.0.1", port });
      await app.prepare();
      const handle = app.getRequestHandler();
      dashboard = (req, res) => void handle(req, res);
      verdicts.push(["page memory", await pageHeap(harness, { minutes: options["page-minutes"], rate: options["page-rate"] })]);
    }
    if (verdicts.length > 0) console.log(`\nMemory targets: ${verdicts.map(([name, met]) => `${name} ${met ? "met" : "MISSED"}`).join(", ")}`);
  } finally {
    await browser.close();
    await hopscope.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
