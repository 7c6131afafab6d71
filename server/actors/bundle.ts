import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build, type Plugin } from "esbuild";

/**
 * Every actor is its own Node process, and a presenter's "add one" or a scenario's start waits
 * for them. Loaded through tsx, an actor spends about 1.4 s of CPU compiling and resolving the
 * project's TypeScript module by module; the same code bundled into one file loads in about
 * half of that. So the server bundles the actor entry once as it starts, and forks plain Node on
 * the bundle.
 */

/**
 * Code that finds its own files (a .proto beside a scenario, the package.json) resolves them from
 * `import.meta.url`; in a bundle that would be the bundle's URL, so each module keeps its own.
 */
const keepModuleUrls: Plugin = {
  name: "keep-module-urls",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      if (!source.includes("import.meta.url")) return undefined;
      return { contents: source.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href)), loader: "ts" };
    });
  },
};

/**
 * Bundles `entry` into the project's node_modules cache, so the bundle's bare imports resolve to
 * the installed packages. Written under a temporary name and renamed: two servers on one
 * checkout (the tests run two) may build it at the same moment. `name` keeps apart the bundles
 * of other process entries (the measurement receiver).
 */
export async function bundleActorEntry(entry: string, projectRoot: string, name = "actor"): Promise<string> {
  const dir = join(projectRoot, "node_modules", ".cache", "hopscope");
  const out = join(dir, `${name}.mjs`);
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: "inline",
    write: false,
    outfile: out,
    logLevel: "silent",
    plugins: [keepModuleUrls],
  });
  const [file] = result.outputFiles;
  if (!file) throw new Error("esbuild produced no actor bundle");
  mkdirSync(dir, { recursive: true });
  const temporary = `${out}.${process.pid}.tmp`;
  writeFileSync(temporary, file.contents);
  renameSync(temporary, out);
  return out;
}

export interface ProcessEntry {
  file: string;
  execArgv: string[];
}

/**
 * A process entry that runs through tsx until its bundle is ready, then from the bundle. `prepare`
 * bundles once per process; should bundling fail, processes still start, only slower.
 */
export function bundledEntry(source: string, projectRoot: string, name: string, onError: (error: unknown) => void): { prepare(): Promise<void>; current(): ProcessEntry } {
  let entry: ProcessEntry = { file: source, execArgv: ["--import", "tsx"] };
  let bundling: Promise<void> | undefined;
  return {
    prepare() {
      bundling ??= bundleActorEntry(source, projectRoot, name).then((file) => {
        entry = { file, execArgv: ["--enable-source-maps"] };
      }, onError);
      return bundling;
    },
    current: () => entry,
  };
}
