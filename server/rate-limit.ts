/** How often one client may ask for something: `burst` at once, then `perSecond` on average. */
export interface RateLimit {
  burst: number;
  perSecond: number;
}

/** A token bucket. The clock (milliseconds) is injected so the refill can be tested without waiting. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = limit.burst;
    this.last = now();
  }

  /** Spends a token if there is one. */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** How long until the next token, in whole milliseconds; 0 when one is there. */
  waitMs(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.limit.perSecond) * 1000);
  }

  private refill(): void {
    const at = this.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + ((at - this.last) / 1000) * this.limit.perSecond);
    this.last = at;
  }
}
