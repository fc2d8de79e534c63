/**
 * The capacity bench's throttled phase (`--phase=throttled`, issue #12 (a)): the 12 catalogue
 * symbols ticking at one total rate, every client subscribed to all 12 at max_rate R, one
 * sub-phase per R. The app conflates per rate group and sends each connection one TickBatch
 * per flush; the naive baseline runs one timer per (client, symbol) and sends one frame per
 * update. Delivered updates (a TickBatch of n ticks counts n) against the 12 × R per client
 * the throttle allows, and server CPU per delivered update.
 */
import type { VariantName } from '../config';
import { CATALOGUE_SYMBOLS } from '../tick-stream';
import { formatThrottled, throttledGoal } from './throttled-report';
import type { CapacityConfig } from './config';
import { sweep } from './sweep';
import type { CapacityPhaseRunner, SweepPoint } from './sweep';

/** Update frames a client gets per second: the app joins a flush into one, the naive server sends one per update. */
export const framesPerClient = (variant: VariantName, maxRate: number) => (variant === 'naive throttle' ? CATALOGUE_SYMBOLS.length * maxRate : maxRate);

/**
 * The 12 symbols at the throttled tick rate, every client subscribed to all of them at each
 * max_rate (the throttled and deflate phases); a point's `rate` is the max_rate.
 */
export function twelveSymbolPoints(config: CapacityConfig, maxRates: readonly number[]): SweepPoint[] {
  const symbols = [...CATALOGUE_SYMBOLS];
  return maxRates.map((maxRate) => ({
    rate: maxRate,
    ticksPerSecond: config.throttledTickRate,
    shape: () => ({ symbols, maxRate, expectedPerClient: symbols.length * maxRate }),
    sampleEvery: (variant) => Math.max(1, Math.round(framesPerClient(variant, maxRate) / config.decodeRate)),
    describe: `${config.clients} clients × ${symbols.length} symbols at max_rate ${maxRate}, ${config.throttledTickRate} ticks/s offered`,
  }));
}

export const throttledPhase: CapacityPhaseRunner = {
  describe: (config) => `12 symbols at ${config.throttledTickRate} ticks/s; max_rate ${config.maxRates.join(', ')}`,
  async run(context) {
    const { config } = context;
    const points = await sweep(context, twelveSymbolPoints(config, config.maxRates));
    const goal = throttledGoal(points);
    return { report: formatThrottled(points, config, goal), results: { points, goal } };
  },
};
