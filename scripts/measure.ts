/**
 * `npm run measure`: each broker path with its bare official client, no Hopscope in the path:
 * latency at a moderate fixed rate and sustained throughput, saved for the guide.
 *
 * Flags (npm run measure -- --flag value): --latency-seconds S  --throughput-seconds S
 * --rate MSG_PER_S  --payload-bytes N  --only nats-pubsub,kafka,...  --out FILE
 * (default data/measurements/latest.json)
 */
import { resolve } from "node:path";
import { z } from "zod";
import { formatMeasurementTable } from "../lib/measure-figures";
import { MEASURE_IDS, measureSettingsSchema, type MeasureRun } from "../lib/measurements";
import { describeZodError } from "../lib/protocol";
import { LATEST_MEASUREMENTS, runMeasurements, saveMeasurementSet } from "../server/measure";
import { parseFlags } from "./flags";

const optionsSchema = z
  .object({
    "latency-seconds": z.coerce.number().optional(),
    "throughput-seconds": z.coerce.number().optional(),
    rate: z.coerce.number().optional(),
    "payload-bytes": z.coerce.number().optional(),
    only: z
      .string()
      .transform((list) => list.split(",").map((s) => s.trim()).filter(Boolean))
      .pipe(z.array(z.enum(MEASURE_IDS)).min(1))
      .optional(),
    out: z.string().min(1).optional(),
  })
  .strict();

function parseOptions(argv: string[]) {
  const o = parseFlags(optionsSchema, argv);
  // The contract's own schema gives the bounds and the defaults, so the flags cannot drift from the API.
  const settings = measureSettingsSchema.safeParse({
    latencySeconds: o["latency-seconds"],
    throughputSeconds: o["throughput-seconds"],
    latencyRate: o.rate,
    payloadBytes: o["payload-bytes"],
    only: o.only,
  });
  if (!settings.success) throw new Error(`Bad flags: ${describeZodError(settings.error)}`);
  return { settings: settings.data, out: o.out ? resolve(o.out) : LATEST_MEASUREMENTS };
}

async function main(): Promise<void> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  let lastLine = "";
  const onProgress = (run: MeasureRun) => {
    const line = run.current ? `[${run.done}/${run.total}] ${run.current}` : `[${run.done}/${run.total}]`;
    if (line !== lastLine) console.log(line);
    lastLine = line;
  };
  const started = performance.now();
  const set = await runMeasurements(options.settings, onProgress);
  await saveMeasurementSet(options.out, set);
  console.log(`\n${formatMeasurementTable(set)}\n`);
  console.log(`${set.machine.cores} cores, ${set.machine.memoryGiB} GiB, ${set.machine.cpu}, Node ${set.machine.node}`);
  console.log(`Measured in ${((performance.now() - started) / 1000).toFixed(1)} s; saved to ${options.out}`);
}

void main();
