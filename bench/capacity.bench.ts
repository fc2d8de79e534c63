/**
 * Capacity benchmark (`npm run bench:capacity`): server CPU per delivered message, bidtape
 * next to the servers a user would pick instead, all through the same client harness with
 * the same ticks. Each phase is a sweep of load phases, every variant on a fresh server at
 * each point (bench/capacity/sweep.ts), and prints a table and its goal checks:
 *  - rates (default; capacity/rates.ts): BTC-USD at several offered rates, against the bare
 *    `ws` loop and Socket.IO; written to bench/results/capacity-<timestamp>.json;
 *  - throttled (capacity/throttled.ts): 12 symbols at each max_rate, against one timer per
 *    subscription;
 *  - deflate (capacity/deflate.ts): the same 12-symbol batches with permessage-deflate off and
 *    on, against the bare batch loop with ws's per-client deflate;
 *  - json (capacity/json.ts): the JSON subprotocol, against the bare loop sending JSON text;
 *  - mix (capacity/mix.ts): 5 % every-update clients among throttled ones;
 *  - slow (capacity/slow.ts): 5 % clients reading slowly, and the fast clients' latency;
 * each of the others written to bench/results/capacity-<phase>-<timestamp>.json.
 * See docs/performance.md ("Capacity"); `--help` lists the settings.
 *
 *   npm run bench:capacity
 *   BENCH_CLIENTS=50 BENCH_SECONDS=2 BENCH_RATES=10,100 npm run bench:capacity   # smoke run
 *   npm run bench:capacity -- --phase=throttled
 */
import path from 'node:path';
import { installSignalHandlers, runBench } from './children';
import { CAPACITY_SETTINGS, COMMAND, loadCapacityConfig } from './capacity/config';
import type { CapacityPhase } from './capacity/config';
import { deflatePhase } from './capacity/deflate';
import { jsonPhase } from './capacity/json';
import { mixPhase } from './capacity/mix';
import { ratesPhase } from './capacity/rates';
import { slowPhase } from './capacity/slow';
import type { CapacityPhaseRunner } from './capacity/sweep';
import { throttledPhase } from './capacity/throttled';
import { usage } from './config';
import { preparePhaseContext } from './phases';
import { APP_SETTINGS, gitState, writeResultsFile } from './report';
import { ROOT } from './servers';

const PHASES: Record<CapacityPhase, CapacityPhaseRunner> = {
  rates: ratesPhase,
  throttled: throttledPhase,
  deflate: deflatePhase,
  json: jsonPhase,
  mix: mixPhase,
  slow: slowPhase,
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usage(CAPACITY_SETTINGS, COMMAND));
    return;
  }
  const config = loadCapacityConfig(process.env, args);
  installSignalHandlers();
  const startedAt = new Date();
  const git = gitState();
  const context = await preparePhaseContext(config, startedAt);
  const phase = PHASES[config.phase];
  const pin = config.pin ? `server on CPU ${config.pin.server}, clients on CPU ${config.pin.client}` : 'not pinned';
  context.log(`${config.phase} phase: ${config.variants.join(', ')}; ${config.clients} clients; ${phase.describe(config)}; ${config.seconds} s windows; ${pin}`);
  const { report, results } = await phase.run(context);
  console.log(`\n${report}`);
  // The rates phase keeps the file name it had before the other phases came.
  const prefix = config.phase === 'rates' ? 'capacity-' : `capacity-${config.phase}-`;
  const file = writeResultsFile(ROOT, startedAt, { git, config, appSettings: APP_SETTINGS, ...results }, prefix);
  console.log(`\nResults: ${path.relative(ROOT, file)} (${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s)`);
}

runBench(main);
