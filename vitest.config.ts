import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: { name: "unit", include: ["lib/**/*.test.ts", "server/**/*.test.ts", "scripts/**/*.test.ts"], environment: "node" },
      },
      {
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          testTimeout: 90_000,
          hookTimeout: 60_000,
          // Two files at a time: most of a file's time is spent waiting on brokers (redeliveries,
          // rebalances, kills noticed), not on the cores. Each worker has its own namespace.
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
    ],
  },
});
