import { parseArgs } from "node:util";
import type { z } from "zod";
import { describeZodError } from "../lib/protocol";

/** `--name value` flags, one per key of the schema, checked by it; a bad flag throws in words. */
export function parseFlags<S extends z.ZodObject>(schema: S, argv: string[]): z.infer<S> {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(Object.keys(schema.shape).map((name) => [name, { type: "string" as const }])),
    strict: true,
  });
  const parsed = schema.safeParse(values);
  if (!parsed.success) throw new Error(`Bad flags: ${describeZodError(parsed.error)}`);
  return parsed.data;
}
