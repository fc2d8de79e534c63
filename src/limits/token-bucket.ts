/**
 * A token bucket: `ratePerSecond` tokens are added continuously up to `burst`; each message
 * takes one. Pure and clock-injected, so it is tested without timers.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAtMs: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.updatedAtMs = nowMs;
  }

  /** Takes a token if one is available. */
  take(nowMs: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.updatedAtMs) * this.ratePerSecond) / 1000);
    this.updatedAtMs = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * Inbound message policy per connection: over the rate a message is refused with an error;
 * a connection that keeps going over (more than `strikesToClose` refusals within one
 * `strikeWindowMs`) is closed. Sustained abuse costs the abuser the connection, a burst does not.
 */
export class InboundLimiter {
  private readonly bucket: TokenBucket;
  private strikes = 0;
  private windowStartMs: number;

  constructor(
    ratePerSecond: number,
    burst: number,
    private readonly strikesToClose: number,
    private readonly strikeWindowMs: number,
    nowMs: number,
  ) {
    this.bucket = new TokenBucket(ratePerSecond, burst, nowMs);
    this.windowStartMs = nowMs;
  }

  check(nowMs: number): 'ok' | 'refuse' | 'close' {
    if (this.bucket.take(nowMs)) return 'ok';
    if (nowMs - this.windowStartMs > this.strikeWindowMs) {
      this.windowStartMs = nowMs;
      this.strikes = 0;
    }
    this.strikes++;
    return this.strikes > this.strikesToClose ? 'close' : 'refuse';
  }
}
