/**
 * Capacity benchmark (`npm run bench:capacity`): server CPU per delivered message at several
 * offered tick rates, bidtape next to two peers (the bare `ws` loop and Socket.IO), all
 * through the same client harness with the same ticks. Each rate runs every variant back to
 * back on a fresh server, the order reversed at every other rate. Prints the table, the goal
 * checks, where each variant stops keeping up, and the bytes per tick on the wire next to a
 * Coinbase `ticker` message; writes everything to bench/results/capacity-<timestamp>.json.
 * `--phase=throttled` runs the throttled phase instead (capacity/throttled.ts): 12 symbols at
 * each max_rate, bidtape against the naive one-timer-per-subscription baseline, written to
 * bench/results/capacity-throttled-<timestamp>.json.
 * See docs/performance.md ("Capacity"); `--help` lists the settings.
 *
 *   npm run bench:capacity
 *   BENCH_CLIENTS=50 BENCH_SECONDS=2 BENCH_RATES=10,100 npm run bench:capacity   # smoke run
 *   npm run bench:capacity -- --phase=throttled
 */
import path from 'node:path';
import { installSignalHandlers, runBench } from './children';
import { CAPACITY_SETTINGS, COMMAND, loadCapacityConfig, sampleEvery } from './capacity/config';
import type { CapacityConfig } from './capacity/config';
import { capacityGoals, formatCapacity, formatWireBytes, keepingUp } from './capacity/report';
import type { CapacityPoint } from './capacity/report';
import { runThrottled } from './capacity/throttled';
import { formatThrottled, throttledGoal } from './capacity/throttled-report';
import { measureWireBytes } from './capacity/wire-bytes';
import { usage } from './config';
import { preparePhaseContext, runLoadPhaseSettled } from './phases';
import type { PhaseContext } from './phases';
import { APP_SETTINGS, gitState, thousands, writeResultsFile } from './report';
import { ROOT } from './servers';

async function runRates(context: PhaseContext<CapacityConfig>): Promise<CapacityPoint[]> {
  const { config } = context;
  const points: CapacityPoint[] = [];
  for (const [index, rate] of config.rates.entries()) {
    // Every other rate in reverse, so a slow drift of the machine does not land on one variant.
    const order = index % 2 ? [...config.variants].reverse() : config.variants;
    for (const variant of order) {
      context.log(`${variant}: ${rate} ticks/s × ${config.clients} clients`);
      const load = await runLoadPhaseSettled(variant, rate, sampleEvery(rate, config), context);
      const share = (load.window.ticksPerSecond / load.offeredMessagesPerSecond) * 100;
      context.log(`    ${thousands(load.window.ticksPerSecond)} msg/s delivered (${share.toFixed(1)} % of offered), ${load.serverCpuMicrosPerMessage.toFixed(2)} µs server CPU per message`);
      points.push({ rate, variant, load });
    }
  }
  // The table reads rate by rate, variants in the configured order.
  return points.sort((a, b) => a.rate - b.rate || config.variants.indexOf(a.variant) - config.variants.indexOf(b.variant));
}

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
  const pin = config.pin ? `server on CPU ${config.pin.server}, clients on CPU ${config.pin.client}` : 'not pinned';
  const load =
    config.phase === 'throttled'
      ? `12 symbols at ${config.throttledTickRate} ticks/s; max_rate ${config.maxRates.join(', ')}`
      : `rates ${config.rates.join(', ')} ticks/s`;
  context.log(`${config.variants.join(', ')}; ${config.clients} clients; ${load}; ${config.seconds} s windows; ${pin}`);
  let file: string;
  if (config.phase === 'throttled') {
    const points = await runThrottled(context);
    const goal = throttledGoal(points);
    console.log(`\n${formatThrottled(points, config, goal)}`);
    file = writeResultsFile(ROOT, startedAt, { git, config, appSettings: APP_SETTINGS, points, goal }, 'capacity-throttled-');
  } else {
    const wire = measureWireBytes(config.seed);
    const points = await runRates(context);
    const goals = capacityGoals(points);
    const summary = keepingUp(points, config.variants);
    console.log(`\n${formatCapacity(points, config, goals, summary)}\n\n${formatWireBytes(wire)}`);
    file = writeResultsFile(ROOT, startedAt, { git, config, appSettings: APP_SETTINGS, points, goals, keepingUp: summary, wireBytes: wire }, 'capacity-');
  }
  console.log(`\nResults: ${path.relative(ROOT, file)} (${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s)`);
}

runBench(main);
