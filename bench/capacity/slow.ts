/**
 * The capacity bench's slow phase (`--phase=slow`, issue #12 (e)): BTC-USD at every update to
 * every client; each server variant runs twice, with no slow client and with a share of slow
 * readers (5 % by default), which keep their socket paused and resume it a few times a second
 * for a small budget of bytes (harness-protocol.ts, SlowRead: 2 KiB/s every 250 ms by
 * default, below the ~5 KB/s of ticks they are sent), so what the server sends them piles up
 * on its side: first in the kernel's send buffer, then in the process. The slow clients
 * connect from their own loopback address, so the kernel's send queues of the two classes can
 * be told apart. bidtape runs with its real slow-consumer policy at the app's defaults
 * (warn and conflate past the soft limit, close 4008 past the hard one or after the grace
 * time), the bare `ws` loop has none.
 */
import type { ClientGroup } from '../harness-protocol';
import { sampleEvery } from './config';
import type { CapacityConfig } from './config';
import { APP_SLOW_CONSUMER_LIMITS, CLIENT_ADDRESS, FAST, formatSlow, SLOW, slowGoal } from './slow-report';
import { sweep } from './sweep';
import type { CapacityPhaseRunner } from './sweep';

function slowGroups(config: CapacityConfig, slowPercent: number): ClientGroup[] {
  if (slowPercent === 0) return [{ name: FAST, share: 1 }];
  const slowRead = { bytesPerSecond: config.slowReadBytesPerSecond, intervalMs: config.slowReadIntervalMs };
  return [
    { name: SLOW, share: slowPercent / 100, localAddress: CLIENT_ADDRESS[SLOW], slowRead },
    { name: FAST, share: 1 - slowPercent / 100 },
  ];
}

export const slowPhase: CapacityPhaseRunner = {
  describe: (config) =>
    `BTC-USD at ${config.slowTickRate} ticks/s; 0 and ${config.slowPercent} % slow clients reading ${config.slowReadBytesPerSecond} B/s every ${config.slowReadIntervalMs} ms`,
  async run(context) {
    const { config } = context;
    const rate = config.slowTickRate;
    // A point's `rate` is the share of slow clients, %.
    const points = await sweep(
      context,
      [...new Set([0, config.slowPercent])].map((slowPercent) => ({
        rate: slowPercent,
        ticksPerSecond: rate,
        shape: () => ({ groups: slowGroups(config, slowPercent) }),
        sampleEvery: () => sampleEvery(rate, config),
        describe: `${rate} ticks/s × ${config.clients} clients, ${slowPercent} % of them reading slowly`,
      })),
    );
    const goal = slowGoal(points);
    return {
      report: formatSlow(points, config, goal),
      results: { points, goal, bidtapePolicySlowConsumerLimits: APP_SLOW_CONSUMER_LIMITS },
    };
  },
};
