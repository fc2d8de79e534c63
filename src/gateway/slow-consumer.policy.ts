export interface SlowConsumerLimits {
  /** Bytes waiting to be sent above which a connection is conflated harder and warned. */
  softBytes: number;
  /** Bytes waiting above which a connection is closed at once: memory stays bounded. */
  hardBytes: number;
  /** Time a degraded connection has to drain below half the soft limit. */
  graceMs: number;
}

export type ConsumerState = { kind: 'ok' } | { kind: 'degraded'; sinceMs: number };
export type ConsumerAction = 'none' | 'degrade' | 'recover' | 'close';

/**
 * What to do with a connection given the bytes queued for it. Recovery needs the queue
 * to fall to half the soft limit, so a connection hovering at the limit does not flap.
 */
export function assessConsumer(
  bufferedBytes: number,
  state: ConsumerState,
  nowMs: number,
  limits: SlowConsumerLimits,
): ConsumerAction {
  if (bufferedBytes > limits.hardBytes) return 'close';
  if (state.kind === 'ok') return bufferedBytes > limits.softBytes ? 'degrade' : 'none';
  if (bufferedBytes <= limits.softBytes / 2) return 'recover';
  return nowMs - state.sinceMs >= limits.graceMs ? 'close' : 'none';
}
