import { InboundLimiter, TokenBucket } from './token-bucket';

describe(TokenBucket.name, () => {
  it('allows a burst, then the steady rate', () => {
    const bucket = new TokenBucket(10, 3, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([true, true, true, false]);
    expect(bucket.take(50)).toBe(false); // 50 ms at 10/s = 0.5 token
    expect(bucket.take(100)).toBe(true); // 0.5 + 0.5
    expect(bucket.take(10_000)).toBe(true); // refilled, capped at the burst of 3
    expect([bucket.take(10_000), bucket.take(10_000), bucket.take(10_000)]).toEqual([true, true, false]);
  });
});

describe(InboundLimiter.name, () => {
  it('refuses over the rate and closes only on sustained abuse', () => {
    const limiter = new InboundLimiter(1, 1, 3, 1000, 0);
    expect(limiter.check(0)).toBe('ok');
    expect([limiter.check(1), limiter.check(2), limiter.check(3)]).toEqual(['refuse', 'refuse', 'refuse']);
    expect(limiter.check(4)).toBe('close'); // a fourth refusal within one second
  });

  it('forgives refusals once the strike window has passed', () => {
    const limiter = new InboundLimiter(1, 1, 2, 1000, 0);
    limiter.check(0);
    expect([limiter.check(1), limiter.check(2)]).toEqual(['refuse', 'refuse']);
    expect(limiter.check(1500)).toBe('ok'); // refilled
    expect(limiter.check(1501)).toBe('refuse'); // new window: strike 1 of 2
    expect(limiter.check(1502)).toBe('refuse');
    expect(limiter.check(1503)).toBe('close');
  });
});
