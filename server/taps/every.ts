/**
 * A broker fact read again and again: the last answer stands while the broker is away for a
 * moment, and nothing is read once it is stopped.
 */
export class Every<T> {
  private latest: T;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly everyMs: number,
    private readonly read: () => Promise<T>,
    initial: T,
  ) {
    this.latest = initial;
  }

  /** Reads once before it answers, so the first view already has the broker's figures. */
  async start(): Promise<void> {
    await this.tick();
  }

  current(): T {
    return this.latest;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async tick(): Promise<void> {
    try {
      this.latest = await this.read();
    } catch {
      // The broker away for a moment: the last figures stand until it answers again.
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.everyMs);
  }
}
