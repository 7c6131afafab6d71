import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { measurementSetSchema, type MeasurementSet } from "../../lib/measurements";

const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The set measured on the development machine, shipped so the guide has figures offline. */
export const SHIPPED_MEASUREMENTS = join(PROJECT_ROOT, "public", "measurements", "dev-machine.json");
/** The last run on this machine; data/ is not in git. */
export const LATEST_MEASUREMENTS = join(PROJECT_ROOT, "data", "measurements", "latest.json");

/** The set in `file`, or null when there is none or it is not a valid set (an older format, a torn write). */
export async function readMeasurementSet(file: string): Promise<MeasurementSet | null> {
  try {
    const parsed = measurementSetSchema.safeParse(JSON.parse(await readFile(file, "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Validated, then written whole: a reader never sees half a file. */
export async function saveMeasurementSet(file: string, set: MeasurementSet): Promise<void> {
  const valid = measurementSetSchema.parse(set);
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(valid, null, 2)}\n`);
  await rename(temporary, file);
}
