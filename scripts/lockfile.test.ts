import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { z } from "zod";

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");

const depsSchema = z.record(z.string(), z.string()).default({});
const packageSchema = z.object({
  version: z.string(),
  scripts: z.record(z.string(), z.string()),
  dependencies: depsSchema,
  devDependencies: depsSchema,
});
const lockSchema = z.object({
  lockfileVersion: z.literal(3),
  packages: z.record(
    z.string(),
    z.object({ version: z.string().optional(), dependencies: depsSchema, devDependencies: depsSchema, optionalDependencies: depsSchema }),
  ),
});

const pkg = packageSchema.parse(JSON.parse(read("package.json")));
const lock = lockSchema.parse(JSON.parse(read("package-lock.json")));

/** Where Node would find `name` from the package at `from`: its own node_modules, then each parent's. */
function resolveIn(from: string, name: string): string | undefined {
  for (let base = from; ; ) {
    const candidate = `${base === "" ? "" : `${base}/`}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (base === "") return undefined;
    const parent = base.lastIndexOf("/node_modules/");
    base = parent === -1 ? "" : base.slice(0, parent);
  }
}

describe("a clean first start", () => {
  test("the lockfile lists every platform's optional builds, so `npm ci` works on any machine and nothing rewrites it", () => {
    const missing = Object.entries(lock.packages).flatMap(([path, entry]) =>
      Object.keys(entry.optionalDependencies)
        .filter((name) => resolveIn(path, name) === undefined)
        .map((name) => `${path || "(root)"} -> ${name}`),
    );
    expect(missing).toEqual([]);
    // The families that went missing before, named so a failure reads plainly.
    for (const name of ["@next/swc-darwin-arm64", "@next/swc-win32-x64-msvc", "@tailwindcss/oxide-linux-arm64-musl", "lightningcss-darwin-x64", "@esbuild/win32-x64"]) {
      expect(resolveIn("", name), name).toBeDefined();
    }
  });

  test("the lockfile was written from this package.json (`npm ci` refuses one that was not)", () => {
    const root = lock.packages[""];
    expect(root?.version).toBe(pkg.version);
    expect(root?.dependencies).toEqual(pkg.dependencies);
    expect(root?.devDependencies).toEqual(pkg.devDependencies);
  });

  test("whatever runs Next.js keeps its telemetry off", () => {
    for (const script of ["scripts/start.sh", "scripts/dev.sh", "scripts/test.sh"]) expect(read(script), script).toMatch(/^export NEXT_TELEMETRY_DISABLED=1$/m);
    for (const name of ["build", "test:e2e", "bench"]) expect(pkg.scripts[name], name).toMatch(/^NEXT_TELEMETRY_DISABLED=1 /);
  });

  test("`npm start` runs production and `npm run dev` development; both install with `npm ci`", () => {
    expect(pkg.scripts.start).toContain("scripts/start.sh");
    expect(pkg.scripts.dev).toContain("scripts/dev.sh");
    expect(read("scripts/start.sh")).toMatch(/^NODE_ENV=production exec node --import tsx server\/main\.ts$/m);
    expect(read("scripts/dev.sh")).toMatch(/^NODE_ENV=development exec npx tsx watch .*server\/main\.ts$/m);
    expect(read("scripts/ensure-deps.sh")).toMatch(/^\s*npm ci --include=dev\b/m);
  });
});
