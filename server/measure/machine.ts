import { cpus, platform, release, totalmem } from "node:os";
import type { Machine } from "../../lib/measurements";

/** What the figures were measured on: they mean little without it. */
export function describeMachine(): Machine {
  const cores = cpus();
  return {
    cores: Math.max(1, cores.length),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    cpu: cores[0]?.model.trim() || "unknown",
    platform: `${platform()} ${release()}`,
    node: process.version,
  };
}
