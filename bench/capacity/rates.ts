/**
 * The capacity bench's rates phase (the default): BTC-USD at every update at each offered
 * rate, bidtape next to the bare `ws` loop and Socket.IO. Prints the table, the goal checks,
 * where each variant stops keeping up, and the bytes per tick on the wire next to a Coinbase
 * `ticker` message.
 */
import { capacityGoals, formatCapacity, formatWireBytes, keepingUp } from './report';
import { everyUpdatePoints, sweep } from './sweep';
import type { CapacityPhaseRunner } from './sweep';
import { measureWireBytes } from './wire-bytes';

export const ratesPhase: CapacityPhaseRunner = {
  describe: (config) => `rates ${config.rates.join(', ')} ticks/s`,
  async run(context) {
    const { config } = context;
    const wire = measureWireBytes(config.seed);
    const points = await sweep(context, everyUpdatePoints(config, config.rates));
    const goals = capacityGoals(points);
    const summary = keepingUp(points, config.variants);
    return {
      report: `${formatCapacity(points, config, goals, summary)}\n\n${formatWireBytes(wire)}`,
      results: { points, goals, keepingUp: summary, wireBytes: wire },
    };
  },
};
