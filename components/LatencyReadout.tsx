import type { LatencySummary } from "../lib/protocol";

function ms(value: number | null): string {
  return value === null ? "—" : value.toFixed(3);
}

/** Measured round trips, with microsecond precision: the brokers' real speed. */
export function LatencyReadout({ latency, hopsPerSecond, span }: { latency: LatencySummary; hopsPerSecond: number; span: string }) {
  const cells = [
    { label: "last", value: ms(latency.lastMs), testId: "latency-last" },
    { label: "p50", value: ms(latency.p50Ms), testId: "latency-p50" },
    { label: "p99", value: ms(latency.p99Ms), testId: "latency-p99" },
  ];
  return (
    <section aria-label="Latency" data-testid="latency" className="stage:col-start-2 stage:row-start-2 rounded-xl border border-[var(--line)] bg-[var(--panel)] px-3 py-2 stage:py-1.5">
      <div className="flex items-baseline justify-between text-2xs text-[var(--muted)]">
        <span>
          Round trip, ms <span className="stage:hidden">({span}, measured)</span>
        </span>
        <span className="tabular-nums">
          {latency.count} samples · {hopsPerSecond} hops/s
        </span>
      </div>
      <div className="mt-1 grid grid-cols-3 gap-2">
        {cells.map((c) => (
          <div key={c.label}>
            <div className="text-3xs tracking-wider text-[var(--muted)] uppercase">{c.label}</div>
            <div className="font-mono text-base font-semibold tabular-nums" data-testid={c.testId}>
              {c.value}
            </div>
          </div>
        ))}
      </div>
    </section>
  );
}
