/**
 * The memory parts of `npm run bench`: the server's memory over a long ingest, and a scenario
 * page's JS heap in headless Chromium over a long live session. Both compare a figure taken
 * after warm-up with one taken at the end, each after a forced full garbage collection, so the
 * growth they print is what is kept, not what merely waits for the collector.
 */
import type { Browser, CDPSession, Page } from "@playwright/test";
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { z } from "zod";
import type { Ledger } from "../lib/protocol";
import type { Hopscope } from "../server/app";

/** What both sections need of the bench's one server. */
export interface BenchHarness {
  hopscope: Hopscope;
  base: string;
  browser: Browser;
  /** The bench's bare watcher page (see bench.ts): it counts the hops it receives. */
  watcher: Page;
  must: <T>(result: { ok: true; result: T } | { ok: false; error: { message: string } }) => T;
}

/** How often long runs print a line, so a watcher of the terminal knows it is alive. */
const PROGRESS_INTERVAL_MS = 10_000;
const MB = 1024 * 1024;
/** Messages per publish command in the memory ingest (the protocol's most); three hops each. */
const INGEST_MESSAGES_PER_COMMAND = 1000;
/** Command streams side by side, so the gap between two commands leaves no hole in the rate. */
const INGEST_STREAMS = 2;
const HOPS_PER_MESSAGE = 3;

const publishAnswer = z.object({ sent: z.number().int(), hops: z.number().int() });

// --- figures -------------------------------------------------------------------------------

const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");
const fmtMb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
const fmtGrowth = (from: number, to: number) => `${to >= from ? "+" : ""}${(((to - from) / from) * 100).toFixed(1)} %`;
const growthPercent = (from: number, to: number) => ((to - from) / from) * 100;

/** A small aligned table: the first column left, the others right. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? "").length)));
  const line = (row: readonly string[]) => "  " + row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("   ");
  console.log(line(header));
  console.log("  " + widths.map((w) => "-".repeat(w)).join("   "));
  for (const row of rows) console.log(line(row));
}

/**
 * A full collection on demand. `global.gc` exists only under --expose-gc, which `npm run bench`
 * would have to pass through tsx to node; setting the flag at run time and taking `gc` from a
 * fresh context does the same from inside the script.
 */
function collector(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

interface ServerMemory {
  hops: number;
  /** After a full GC. */
  rss: number;
  heapUsed: number;
  /**
   * The most RSS seen in the 10 s before. RSS after a GC alone is noisy: V8 and malloc give
   * pages back to the system lazily, so one reading can hold a high-water mark of garbage.
   */
  rssPeak: number;
}

// --- 1. the server over a long ingest -----------------------------------------------------

export interface IngestOptions {
  hops: number;
  /** Hops per second in all; 0: as fast as the emitter can. */
  rate: number;
}

/**
 * At least `hops` hops through the real pipeline (actor process, IPC, reorder window, ledger,
 * hop buffer, Socket.IO batches to the watcher page), published, delivered and acked, so the
 * ledger settles every message. The server runs in this process: its memory is ours.
 */
export async function memoryIngest(h: BenchHarness, options: IngestOptions): Promise<boolean> {
  const { engine } = h.hopscope;
  const gc = collector();
  // The warm-up fills the hop buffers and the ledger's bounded memory many times over.
  const baselineAt = Math.min(1_000_000, Math.floor(options.hops / 5));
  h.must(await engine.command("bench", { type: "reset" }));
  h.must(await engine.command("bench", { type: "set", rate: Math.ceil(options.rate / INGEST_STREAMS), acks: 1 }));
  console.log(`\nMemory, server: ${fmtInt(options.hops)} hops (published, delivered, acked) at ${options.rate > 0 ? `${fmtInt(options.rate)} hops/s` : "full speed"}, browser watching`);

  const startSeq = engine.bus.lastSeq;
  const sequenced = () => engine.bus.lastSeq - startSeq;
  const receivedBefore = await received(h.watcher);
  /** [when, RSS] over the last PROGRESS_INTERVAL_MS, read every tick of the watch below. */
  let recentRss: [number, number][] = [];
  const sample = (): ServerMemory => {
    const rssPeak = Math.max(0, ...recentRss.map(([, rss]) => rss));
    gc();
    const { rss, heapUsed } = process.memoryUsage();
    return { hops: sequenced(), rss, heapUsed, rssPeak: Math.max(rssPeak, rss) };
  };
  const start = sample();
  let baseline: ServerMemory | null = null;
  const started = performance.now();
  let lastLine = { at: started, hops: 0 };
  const watch = setInterval(() => {
    const now = performance.now();
    recentRss.push([now, process.memoryUsage.rss()]);
    recentRss = recentRss.filter(([at]) => at > now - PROGRESS_INTERVAL_MS);
    if (!baseline && sequenced() >= baselineAt) baseline = sample();
    if (now - lastLine.at < PROGRESS_INTERVAL_MS) return;
    const hops = sequenced();
    const { rss, heapUsed } = process.memoryUsage();
    console.log(`  ${((now - started) / 1000).toFixed(0).padStart(4)} s  ${fmtInt(hops).padStart(10)} hops  ${fmtInt(((hops - lastLine.hops) * 1000) / (now - lastLine.at)).padStart(7)} hops/s  rss ${fmtMb(rss)}  heap ${fmtMb(heapUsed)}`);
    lastLine = { at: now, hops };
  }, 100);

  let issued = 0;
  let messages = 0;
  try {
    await Promise.all(
      Array.from({ length: INGEST_STREAMS }, async () => {
        while (issued < options.hops) {
          // Counted before the await, so the streams together stop near the target.
          issued += INGEST_MESSAGES_PER_COMMAND * HOPS_PER_MESSAGE;
          const answer = publishAnswer.parse(h.must(await engine.command("bench", { type: "publish", count: INGEST_MESSAGES_PER_COMMAND })));
          messages += answer.sent;
        }
      }),
    );
    // Every emitted hop sequenced and at the watcher: nothing is still in flight when measured.
    const expected = messages * HOPS_PER_MESSAGE;
    await until(async () => sequenced() >= expected && (await received(h.watcher)) - receivedBefore >= expected, 15_000);
  } finally {
    clearInterval(watch);
  }
  const elapsedS = (performance.now() - started) / 1000;
  const end = sample();
  const atWatcher = (await received(h.watcher)) - receivedBefore;
  const first = baseline ?? start;
  console.log(`  ${fmtInt(end.hops)} hops in ${elapsedS.toFixed(0)} s (${fmtInt(end.hops / elapsedS)} hops/s); the watcher received ${fmtInt(atWatcher)}`);
  printTable(
    ["server process", "start", `at ${fmtInt(first.hops)} hops`, `at ${fmtInt(end.hops)} hops`, "growth"],
    [
      ["RSS, peak of the 10 s before", fmtMb(start.rssPeak), fmtMb(first.rssPeak), fmtMb(end.rssPeak), fmtGrowth(first.rssPeak, end.rssPeak)],
      ["RSS, after a full GC", fmtMb(start.rss), fmtMb(first.rss), fmtMb(end.rss), fmtGrowth(first.rss, end.rss)],
      ["heap used, after a full GC", fmtMb(start.heapUsed), fmtMb(first.heapUsed), fmtMb(end.heapUsed), fmtGrowth(first.heapUsed, end.heapUsed)],
    ],
  );
  const ledger = h.must(engine.state("bench")).ledger;
  const exact = ledgerIsExact(ledger, messages);
  console.log(
    `  ledger: published ${fmtInt(ledger.published)}, delivered ${fmtInt(ledger.delivered)}, completed ${fmtInt(ledger.completed)}, in flight ${fmtInt(ledger.inFlight)}, ` +
      `redelivered ${ledger.redelivered}, duplicates ${ledger.duplicates} for ${fmtInt(messages)} messages sent: ${exact ? "exact" : "NOT EXACT"}`,
  );
  const pass = exact && atWatcher >= end.hops && growthPercent(first.rssPeak, end.rssPeak) <= 10 && growthPercent(first.heapUsed, end.heapUsed) <= 10;
  console.log(`  Target: peak RSS and heap after GC grow ≤ 10 % from ${fmtInt(first.hops)} hops to the end, ledger exact, every hop at the watcher: ${pass ? "met" : "MISSED"}`);
  return pass;
}

function ledgerIsExact(ledger: Ledger, messages: number): boolean {
  return (
    ledger.published === messages &&
    ledger.delivered === messages &&
    ledger.completed === messages &&
    ledger.inFlight === 0 &&
    ledger.redelivered === 0 &&
    ledger.duplicates === 0 &&
    ledger.lost === 0 &&
    ledger.dropped === 0
  );
}

function received(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { received: number }).received);
}

async function until(done: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await done()) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

// --- 2. a scenario page over a long session -------------------------------------------------

export interface PageOptions {
  minutes: number;
  /** Hops per second the scenario sends the page. */
  rate: number;
}

interface PageMemory {
  atS: number;
  heapUsed: number;
  nodes: number;
  listeners: number;
}

/** Files whose change makes the production build stale, as `npm start` checks them. */
const BUILD_INPUTS = ["app", "components", "lib", "public", "next.config.js", "postcss.config.mjs", "package-lock.json"];

function newestChange(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newestChange(join(path, entry))));
}

/** The page must be the one users get: a production build, rebuilt when the sources changed. */
export function ensureProductionBuild(root: string): void {
  const built = statSync(join(root, ".next", "BUILD_ID"), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (built > 0 && Math.max(...BUILD_INPUTS.map((p) => newestChange(join(root, p)))) <= built) return;
  console.log(`\n${built > 0 ? "The production build is older than the sources" : "No production build yet"}: npx next build (about half a minute)…`);
  const build = spawnSync("npx", ["next", "build"], { cwd: root, stdio: "inherit" });
  if (build.status !== 0) throw new Error(`npx next build failed (${build.signal ?? `exit code ${build.status}`})`);
}

/**
 * The bench scenario's live page (topology, sequence diagram, log, ledger) fed `rate` hops/s for
 * `minutes`. Its heap after a forced GC at one minute (or half a shorter run) is compared with
 * the heap at the end, so what grows is what the page keeps.
 */
export async function pageHeap(h: BenchHarness, options: PageOptions): Promise<boolean> {
  const { engine } = h.hopscope;
  const durationMs = options.minutes * 60_000;
  const warmupMs = Math.min(60_000, durationMs / 2);
  h.must(await engine.command("bench", { type: "reset" }));
  // One stream of commands of about a second each, paced by the emitter.
  const perCommand = Math.max(1, Math.round(options.rate / HOPS_PER_MESSAGE));
  h.must(await engine.command("bench", { type: "set", rate: options.rate, acks: 1 }));
  console.log(`\nMemory, browser: the scenario page at ${fmtInt(options.rate)} hops/s for ${options.minutes} min (production build, headless Chromium)`);

  const page = await h.browser.newPage({ viewport: { width: 1440, height: 1000 } });
  try {
    await page.goto(`${h.base}/scenarios/bench`);
    await page.getByTestId("scenario").waitFor();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");
    const measure = async (atS: number, collect: boolean): Promise<PageMemory> => {
      if (collect) await cdp.send("HeapProfiler.collectGarbage");
      const { usedSize } = await cdp.send("Runtime.getHeapUsage");
      const metric = await metricsOf(cdp);
      return { atS, heapUsed: usedSize, nodes: metric("Nodes"), listeners: metric("JSEventListeners") };
    };

    const started = performance.now();
    const deadline = started + durationMs;
    const startSeq = engine.bus.lastSeq;
    let publishing = true;
    const feed = (async () => {
      while (publishing && performance.now() < deadline) h.must(await engine.command("bench", { type: "publish", count: perCommand }));
    })();
    const start = await measure(0, true);
    let warm: PageMemory | null = null;
    let end: PageMemory | null = null;
    let lastLine = started;
    try {
      while (!end) {
        await new Promise((r) => setTimeout(r, 250));
        const now = performance.now();
        const elapsedS = (now - started) / 1000;
        if (!warm && now - started >= warmupMs) warm = await measure(elapsedS, true);
        else if (now >= deadline) end = await measure(elapsedS, true);
        else if (now - lastLine >= PROGRESS_INTERVAL_MS) {
          lastLine = now;
          const m = await measure(elapsedS, false);
          console.log(`  ${elapsedS.toFixed(0).padStart(4)} s  ${fmtInt(engine.bus.lastSeq - startSeq).padStart(8)} hops  page heap ${fmtMb(m.heapUsed)} (before GC)  DOM nodes ${fmtInt(m.nodes)}  listeners ${fmtInt(m.listeners)}`);
        }
      }
    } finally {
      publishing = false;
      await feed;
    }
    const sent = engine.bus.lastSeq - startSeq;
    // The last batch may still be on its way to the page.
    let shown = 0;
    await until(async () => (shown = await hopsShown(page)) >= sent, 2_000);
    const first = warm ?? start;
    console.log(`  ${fmtInt(sent)} hops sent; the page counted ${fmtInt(shown)}`);
    printTable(
      ["page, after a forced GC", "start", `at ${first.atS.toFixed(0)} s`, `at ${end.atS.toFixed(0)} s`, "growth"],
      [
        ["JS heap used", fmtMb(start.heapUsed), fmtMb(first.heapUsed), fmtMb(end.heapUsed), fmtGrowth(first.heapUsed, end.heapUsed)],
        ["DOM nodes", fmtInt(start.nodes), fmtInt(first.nodes), fmtInt(end.nodes), fmtGrowth(first.nodes, end.nodes)],
        ["event listeners", fmtInt(start.listeners), fmtInt(first.listeners), fmtInt(end.listeners), fmtGrowth(first.listeners, end.listeners)],
      ],
    );
    const pass = growthPercent(first.heapUsed, end.heapUsed) <= 10;
    console.log(`  Target: JS heap growth ≤ 10 % from ${first.atS.toFixed(0)} s to the end: ${pass ? "met" : "MISSED"}`);
    return pass;
  } finally {
    await page.close();
  }
}

async function metricsOf(cdp: CDPSession): Promise<(name: string) => number> {
  const { metrics } = await cdp.send("Performance.getMetrics");
  return (name) => metrics.find((m) => m.name === name)?.value ?? 0;
}

/** The total the page's event log shows ("1234 hops"): what the page itself has received. */
async function hopsShown(page: Page): Promise<number> {
  const text = await page.getByTestId("event-log").locator("span.tabular-nums").first().textContent();
  return Number((text ?? "").replace(/[^0-9]/g, ""));
}
