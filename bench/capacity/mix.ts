/**
 * The capacity bench's mix phase (`--phase=mix`, issue #12 (d)): the 12 catalogue symbols at
 * one total rate; a few clients (5 % by default) subscribe to all 12 at every update
 * (max_rate 0), the others at max_rate R. bidtape against the naive throttle server, which
 * sends every tick to the every-update connections as it is published and runs one timer per
 * throttled subscription. The harness keeps each class's counters and latency apart.
 */
import type { VariantName } from '../config';
import type { ClientGroup } from '../harness-protocol';
import { CATALOGUE_SYMBOLS } from '../tick-stream';
import type { CapacityConfig } from './config';
import { EVERY_UPDATE, expectedPerClient, formatMix, mixGoal, THROTTLED } from './mix-report';
import { sweep } from './sweep';
import type { CapacityPhaseRunner } from './sweep';
import { framesPerClient } from './throttled';

function mixGroups(config: CapacityConfig, variant: VariantName): ClientGroup[] {
  const share = config.mixEveryUpdatePercent / 100;
  const perSecond = (frames: number) => Math.max(1, Math.round(frames / config.decodeRate));
  return [
    // Every tick of the 12 symbols, one frame each.
    { name: EVERY_UPDATE, share, maxRate: 0, sampleEvery: perSecond(config.throttledTickRate) },
    { name: THROTTLED, share: 1 - share, maxRate: config.mixMaxRate, sampleEvery: perSecond(framesPerClient(variant, config.mixMaxRate)) },
  ];
}

export const mixPhase: CapacityPhaseRunner = {
  describe: (config) =>
    `12 symbols at ${config.throttledTickRate} ticks/s; ${config.mixEveryUpdatePercent} % at every update, the others at max_rate ${config.mixMaxRate}`,
  async run(context) {
    const { config } = context;
    const symbols = [...CATALOGUE_SYMBOLS];
    const share = config.mixEveryUpdatePercent / 100;
    // A point's `rate` is the throttled clients' max_rate.
    const points = await sweep(context, [
      {
        rate: config.mixMaxRate,
        ticksPerSecond: config.throttledTickRate,
        shape: (variant) => ({
          symbols,
          expectedPerClient: share * expectedPerClient(config, EVERY_UPDATE) + (1 - share) * expectedPerClient(config, THROTTLED),
          groups: mixGroups(config, variant),
        }),
        sampleEvery: () => 1, // each group sets its own
        describe: `${config.clients} clients × ${symbols.length} symbols, ${config.mixEveryUpdatePercent} % at every update and the others at max_rate ${config.mixMaxRate}, ${config.throttledTickRate} ticks/s offered`,
      },
    ]);
    const goal = mixGoal(points);
    return { report: formatMix(points, config, goal), results: { points, goal } };
  },
};
