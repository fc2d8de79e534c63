/**
 * Fan-out benchmark: protobuf ticks to N loopback WebSocket clients from four servers in
 * turn (bare `ws` and bidtape, each with permessage-deflate off and on), all measured by
 * the same client harness. Prints the figures and the goal ratios, writes them as JSON to
 * bench/results/. See docs/performance.md; `--help` lists the settings.
 *
 *   npm run bench                                  # full run, ~2-3 minutes
 *   BENCH_CLIENTS=100 BENCH_SECONDS=2 npm run bench  # smoke run
 */
import path from 'node:path';
import { installSignalHandlers, runBench } from './children';
import { loadBenchConfig, ROUND_ORDER, usage } from './config';
import type { BenchConfig, VariantName } from './config';
import { preparePhaseContext, runLoadPhaseSettled, runMemoryPhase } from './phases';
import type { LoadResult, MemoryResult, PhaseContext } from './phases';
import { formatReport, gitState, writeJson } from './report';
import type { Results } from './report';
import { ROOT } from './servers';

async function runAll(context: PhaseContext<BenchConfig>): Promise<Results> {
  const { config } = context;
  const memory = new Map<VariantName, MemoryResult>();
  const latency = new Map<VariantName, LoadResult>();
  const throughput = new Map<VariantName, LoadResult[]>(config.variants.map((v) => [v, []]));
  for (const variant of config.variants) {
    context.log(`${variant}: memory, ${config.clients} idle subscribed clients`);
    memory.set(variant, await runMemoryPhase(variant, context));
    context.log(`${variant}: latency, ${config.latencyRate} ticks/s`);
    latency.set(variant, await runLoadPhaseSettled(variant, config.latencyRate, config.latencySampleEvery, context));
  }
  // Rounds interleave the variants, every other round in reverse, so a slow drift of the
  // machine does not land on one variant only; goal pairs always run back to back.
  const paired = [...config.variants].sort((a, b) => ROUND_ORDER.indexOf(a) - ROUND_ORDER.indexOf(b));
  for (let round = 1; round <= config.rounds; round++) {
    for (const variant of round % 2 ? paired : [...paired].reverse()) {
      context.log(`${variant}: throughput round ${round}/${config.rounds}, ${config.throughputRate} ticks/s`);
      const result = await runLoadPhaseSettled(variant, config.throughputRate, config.sampleEvery, context);
      context.log(`    ${Math.round(result.window.ticksPerSecond).toLocaleString('en-US')} msg/s delivered`);
      throughput.get(variant)!.push(result);
    }
  }
  const results: Results = {};
  for (const variant of config.variants) {
    results[variant] = { memory: memory.get(variant)!, latency: latency.get(variant)!, throughputRounds: throughput.get(variant)! };
  }
  return results;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usage());
    return;
  }
  const config = loadBenchConfig(process.env, args);
  installSignalHandlers();
  const startedAt = new Date();
  const git = gitState();
  const context = await preparePhaseContext(config, startedAt);
  const pin = config.pin ? `server on CPU ${config.pin.server}, clients on CPU ${config.pin.client}` : 'not pinned';
  context.log(
    `${config.variants.join(', ')}; ${config.clients} clients; throughput ${config.throughputRate} ticks/s ` +
      `× ${config.rounds} rounds, latency ${config.latencyRate} ticks/s; ${config.seconds} s windows; ${pin}`,
  );
  const results = await runAll(context);
  console.log(`\n${formatReport(results, config)}`);
  const file = writeJson(results, config, startedAt, git, ROOT);
  console.log(`\nResults: ${path.relative(ROOT, file)} (${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s)`);
}

runBench(main);
