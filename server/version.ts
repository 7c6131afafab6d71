import { readFileSync } from "node:fs";
import { z } from "zod";

const packageSchema = z.object({ version: z.string().min(1) });

/**
 * package.json's version: the one number a bug report, the start banner and /api/health agree
 * on. Read from the file, not from npm's environment, so `tsx server/main.ts` knows it too.
 */
export const VERSION: string = packageSchema.parse(JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))).version;
