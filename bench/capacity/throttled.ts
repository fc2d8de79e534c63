/**
 * The capacity bench's throttled phase (`--phase=throttled`, issue #12 (a)): the 12 catalogue
 * symbols ticking at one total rate, every client subscribed to all 12 at max_rate R, one
 * sub-phase per R. The app conflates per rate group and sends each connection one TickBatch
 * per flush; the naive baseline runs one timer per (client, symbol) and sends one frame per
 * update. Delivered updates (a TickBatch of n ticks counts n) against the 12 × R per client
 * the throttle allows, and server CPU per delivered update.
 */
import type { VariantName } from '../config';
import type { LoadShape, PhaseContext } from '../phases';
import { runLoadPhaseSettled } from '../phases';
import { thousands } from '../report';
import { CATALOGUE_SYMBOLS } from '../tick-stream';
import type { CapacityConfig } from './config';
import type { CapacityPoint } from './report';

/** Update frames each client gets per second: the app joins a flush into one, the baseline sends one per update. */
const framesPerClient = (variant: VariantName, maxRate: number) => (variant === 'naive throttle' ? CATALOGUE_SYMBOLS.length * maxRate : maxRate);

/**
 * Runs each max_rate against each variant (the order reversed at every other rate); a point's
 * `rate` is the max_rate.
 */
export async function runThrottled(context: PhaseContext<CapacityConfig>): Promise<CapacityPoint[]> {
  const { config } = context;
  const symbols = [...CATALOGUE_SYMBOLS];
  const points: CapacityPoint[] = [];
  for (const [index, maxRate] of config.maxRates.entries()) {
    const order = index % 2 ? [...config.variants].reverse() : config.variants;
    const shape: LoadShape = { symbols, maxRate, expectedPerClient: symbols.length * maxRate };
    for (const variant of order) {
      context.log(`${variant}: ${config.clients} clients × ${symbols.length} symbols at max_rate ${maxRate}, ${config.throttledTickRate} ticks/s offered`);
      const sampleEvery = Math.max(1, Math.round(framesPerClient(variant, maxRate) / config.decodeRate));
      const load = await runLoadPhaseSettled(variant, config.throttledTickRate, sampleEvery, context, shape);
      const share = (load.window.ticksPerSecond / load.offeredMessagesPerSecond) * 100;
      context.log(
        `    ${thousands(load.window.ticksPerSecond)} updates/s delivered (${share.toFixed(1)} % of expected) in ${thousands(load.window.updateFramesPerSecond)} frames/s, ` +
          `${load.serverCpuMicrosPerMessage.toFixed(2)} µs server CPU per update`,
      );
      points.push({ rate: maxRate, variant, load });
    }
  }
  return points.sort((a, b) => a.rate - b.rate || config.variants.indexOf(a.variant) - config.variants.indexOf(b.variant));
}
