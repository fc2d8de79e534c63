/** Reconnect timing: exponential backoff with jitter. */
export interface ReconnectOptions {
  /** Delay before the first reconnect attempt (default 250 ms). */
  initialDelayMs?: number;
  /** Upper bound of the delay (default 10 s). */
  maxDelayMs?: number;
  /** Growth of the delay per failed attempt (default 2). */
  factor?: number;
  /** Fraction of each delay taken off at random, 0 (none) to 1 ("full jitter"); default 0.5. */
  jitter?: number;
}

export const DEFAULT_RECONNECT: Required<ReconnectOptions> = { initialDelayMs: 250, maxDelayMs: 10_000, factor: 2, jitter: 0.5 };

/** Delay before reconnect attempt `attempt` (0 for the first after a drop). */
export function backoffDelay(attempt: number, options: Required<ReconnectOptions>, random: () => number = Math.random): number {
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * options.factor ** attempt);
  const jitter = Math.min(1, Math.max(0, options.jitter));
  return Math.max(0, Math.round(base * (1 - jitter * random())));
}
