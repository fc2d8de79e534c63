/**
 * What every phase of the capacity bench is: a sweep of load phases, each point of it run
 * against each variant on a fresh server, and a runner that turns the points into the printed
 * report and the results file's body.
 */
import type { VariantName } from '../config';
import type { LoadShape, PhaseContext } from '../phases';
import { runLoadPhaseSettled } from '../phases';
import { thousands } from '../report';
import { sampleEvery } from './config';
import type { CapacityConfig } from './config';
import type { CapacityPoint } from './report';

export interface SweepPoint {
  /** The point's value (an offered rate, a max_rate, a share of clients): the table's first column. */
  rate: number;
  /** Offered ticks/s over the shape's symbols. */
  ticksPerSecond: number;
  shape: (variant: VariantName) => LoadShape;
  /** Decode every Nth update frame per client (a group may set its own). */
  sampleEvery: (variant: VariantName) => number;
  /** The progress line before each run, after the variant's name. */
  describe: string;
}

/** BTC-USD at every update to every client, at each offered rate (the rates and json phases). */
export function everyUpdatePoints(config: CapacityConfig, rates: readonly number[]): SweepPoint[] {
  return rates.map((rate) => ({
    rate,
    ticksPerSecond: rate,
    shape: () => ({}),
    sampleEvery: () => sampleEvery(rate, config),
    describe: `${rate} ticks/s × ${config.clients} clients`,
  }));
}

/**
 * Runs each point against each variant, in reverse order at every other point so a slow
 * drift of the machine does not land on one variant. The points come back by point, the
 * variants in the configured order.
 */
export async function sweep(context: PhaseContext<CapacityConfig>, points: readonly SweepPoint[]): Promise<CapacityPoint[]> {
  const { config } = context;
  const results: CapacityPoint[] = [];
  for (const [index, point] of points.entries()) {
    const order = index % 2 ? [...config.variants].reverse() : config.variants;
    for (const variant of order) {
      context.log(`${variant}: ${point.describe}`);
      const load = await runLoadPhaseSettled(variant, point.ticksPerSecond, point.sampleEvery(variant), context, point.shape(variant));
      const share = (load.window.ticksPerSecond / load.offeredMessagesPerSecond) * 100;
      context.log(
        `    ${thousands(load.window.ticksPerSecond)} updates/s delivered (${share.toFixed(1)} % of expected) in ${thousands(load.window.updateFramesPerSecond)} frames/s, ` +
          `${load.serverCpuMicrosPerMessage.toFixed(2)} µs server CPU per update`,
      );
      results.push({ rate: point.rate, variant, load });
    }
  }
  return results.sort((a, b) => a.rate - b.rate || config.variants.indexOf(a.variant) - config.variants.indexOf(b.variant));
}

/** A phase of the capacity bench as its entry point runs it. */
export interface CapacityPhaseRunner {
  /** What the phase offers, for the first progress line. */
  describe: (config: CapacityConfig) => string;
  run: (context: PhaseContext<CapacityConfig>) => Promise<{ report: string; results: Record<string, unknown> }>;
}
