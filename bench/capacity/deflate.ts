/**
 * The capacity bench's deflate phase (`--phase=deflate`, issue #12 (b)): batches large enough
 * to compress. The 12 catalogue symbols tick at one total rate and every client subscribes to
 * all 12 at max_rate R, so each flush brings a client up to 12 ticks (a TickBatch of ~500
 * bytes). bidtape with permessage-deflate off and on (window BENCH_WINDOW_BITS, threshold 0)
 * against the bare batch loop (bench/bare-batch-server.ts) with `ws`'s per-client deflate and
 * without. The harness counts the ticks of Tick and TickBatch frames alike (`ws` inflates
 * before it hands a message over), so a server may send a compressed flush as one batch or as
 * single ticks.
 */
import { deflateGoals, formatDeflate } from './deflate-report';
import { sweep } from './sweep';
import { twelveSymbolPoints } from './throttled';
import type { CapacityPhaseRunner } from './sweep';
import { measureDeflatedSizes } from './wire-bytes';

export const deflatePhase: CapacityPhaseRunner = {
  describe: (config) => `12 symbols at ${config.throttledTickRate} ticks/s; max_rate ${config.deflateMaxRates.join(', ')}; deflate window ${config.windowBits}`,
  async run(context) {
    const { config } = context;
    const sizes = measureDeflatedSizes(config.seed, config.windowBits, config.throttledTickRate);
    const points = await sweep(context, twelveSymbolPoints(config, config.deflateMaxRates));
    const goals = deflateGoals(points);
    return { report: formatDeflate(points, config, goals, sizes), results: { points, goals, deflatedSizes: sizes } };
  },
};
