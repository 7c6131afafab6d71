import { wallClockMs } from "../../lib/clock";
import { GaugeHistory } from "../../lib/gauge-history";
import type { LiveLayout } from "../../lib/protocol";
import type { Namespace } from "../brokers/namespace";
import type { Config } from "../config";
import { transportUrl, type GaugeReader, type ScenarioDefinition } from "../scenarios/model";

/** How often broker figures (queue depth, consumers) are read while a scenario runs. */
export const GAUGE_INTERVAL_MS = 1_000;

export type Gauges = Record<string, Record<string, number>>;

/**
 * Reads a scenario's live broker figures while it runs. One read at a time, the next a while
 * after the last: a slow broker never stacks reads up. Every read is kept in a bounded history
 * for as long as the run lasts; a stop or a reset starts it afresh.
 */
export class GaugePoller {
  gauges: Gauges = {};
  layout: LiveLayout | null = null;
  /** When `gauges` were read. */
  at: number | null = null;
  readonly history = new GaugeHistory();
  private reader: GaugeReader | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly source: ScenarioDefinition["gauges"],
    private readonly urls: Config["urls"],
    private readonly names: Namespace,
    /** Called when the figures or the layout changed. */
    private readonly onChange: () => void,
    private readonly intervalMs = GAUGE_INTERVAL_MS,
    /** Called after every read, changed or not: a new point of the history. */
    private readonly onRead: () => void = () => undefined,
    private readonly clock: () => number = wallClockMs,
  ) {}

  start(): void {
    const source = this.source;
    if (!source || this.reader) return;
    const reader = source.open(transportUrl(this.urls, source.transport), this.names, this.urls);
    this.reader = reader;
    const read = async () => {
      const gauges = await reader.read().catch(() => null);
      // Stopped, or restarted with a new reader, while this read was out: its figures are stale.
      if (this.reader !== reader) return;
      const layout = gauges ? (reader.layout?.() ?? null) : this.layout;
      if (gauges) {
        // Stamped when the answer came: the figures are the broker's as of then.
        this.at = this.clock();
        this.history.push(this.at, gauges);
      }
      if (gauges && (JSON.stringify(gauges) !== JSON.stringify(this.gauges) || JSON.stringify(layout) !== JSON.stringify(this.layout))) {
        this.gauges = gauges;
        this.layout = layout;
        this.onChange();
      } else if (gauges) this.onRead();
      this.timer = setTimeout(() => void read(), this.intervalMs);
    };
    void read();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const reader = this.reader;
    this.reader = null;
    this.gauges = {};
    this.layout = null;
    this.at = null;
    this.history.clear();
    await reader?.close();
  }
}
