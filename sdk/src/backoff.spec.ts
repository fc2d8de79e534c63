import { backoffDelay, DEFAULT_RECONNECT } from './backoff';

describe(backoffDelay.name, () => {
  const options = { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.5 };

  it.each([
    // attempt, random, delay
    [0, 0, 100], // no jitter drawn: the base delay
    [0, 1, 50], // the most jitter takes half off (jitter 0.5)
    [1, 0, 200], // 100 * 2^1
    [3, 0, 800], // 100 * 2^3
    [4, 0, 1000], // 1600 capped at maxDelayMs
    [20, 0.5, 750], // capped, then a quarter off
  ])('attempt %i with random %d waits %i ms', (attempt, random, delay) => {
    expect(backoffDelay(attempt, options, () => random)).toBe(delay);
  });

  it('full jitter spreads over the whole delay; no jitter is exact', () => {
    expect(backoffDelay(2, { ...options, jitter: 1 }, () => 0.99)).toBe(4); // 400 * 0.01
    expect(backoffDelay(2, { ...options, jitter: 0 }, () => 0.99)).toBe(400);
  });

  it('defaults to 250 ms doubling up to 10 s with half jitter', () => {
    expect(DEFAULT_RECONNECT).toEqual({ initialDelayMs: 250, maxDelayMs: 10_000, factor: 2, jitter: 0.5 });
  });
});
