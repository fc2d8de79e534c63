import { assessConsumer } from './slow-consumer.policy';
import type { ConsumerAction, ConsumerState } from './slow-consumer.policy';

const limits = { softBytes: 1000, hardBytes: 5000, graceMs: 500 };
const ok: ConsumerState = { kind: 'ok' };
const degradedAt100: ConsumerState = { kind: 'degraded', sinceMs: 100 };

describe(assessConsumer.name, () => {
  it.each<[string, number, ConsumerState, number, ConsumerAction]>([
    ['keeps a keeping-up connection', 0, ok, 0, 'none'],
    ['keeps one exactly at the soft limit', 1000, ok, 0, 'none'],
    ['degrades one over the soft limit', 1001, ok, 0, 'degrade'],
    ['closes one over the hard limit at once', 5001, ok, 0, 'close'],
    ['closes a degraded one over the hard limit', 5001, degradedAt100, 101, 'close'],
    ['waits while the grace runs', 3000, degradedAt100, 599, 'none'], // 599 - 100 < 500
    ['closes one still behind after the grace', 3000, degradedAt100, 600, 'close'],
    ['still behind between half and soft limit', 501, degradedAt100, 600, 'close'],
    ['recovers at half the soft limit', 500, degradedAt100, 599, 'recover'],
    ['recovers after the grace if drained', 0, degradedAt100, 10_000, 'recover'],
  ])('%s', (_name, buffered, state, now, expected) => {
    expect(assessConsumer(buffered, state, now, limits)).toBe(expected);
  });
});
