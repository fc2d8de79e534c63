/** Turns variant results into the printed tables, the goal ratios and the JSON file. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchConfig, VariantName } from './config';
import type { LoadResult, MemoryResult } from './phases';

export interface VariantResult {
  memory: MemoryResult;
  latency: LoadResult;
  /** One throughput phase per round; rounds are interleaved across variants. */
  throughputRounds: LoadResult[];
}

export type Results = Partial<Record<VariantName, VariantResult>>;

export interface Ratio {
  name: string;
  numerator: VariantName;
  denominator: VariantName;
  /** Goal: ratio >= goal; undefined for an informative ratio. */
  goal?: number;
  /** Median of the per-round ratios. */
  value?: number;
  perRound: number[];
  /** Ratio of the two medians, for comparison. */
  ofMedians?: number;
  met?: boolean;
}

/** Sustained: at least this share of the offered messages arrived in the window. */
export const SUSTAINED = 0.95;
/** Harness CPU above this: the client may be what limits the delivered figure. */
export const CLIENT_BOUND_PERCENT = 90;

export const fixed = (n: number | undefined, digits = 0) => (n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(digits));
export const thousands = (n: number | undefined) =>
  n === undefined || !Number.isFinite(n) ? 'n/a' : Math.round(n).toLocaleString('en-US');

const deliveredOf = (load: LoadResult) => load.window.ticksPerSecond;

/** The server's CPU over the window as the tables print it: total (user+system), % of a core. */
export const serverCpuText = (load: LoadResult) => `${fixed(load.serverCpu.percent)} (${fixed(load.serverCpu.userPercent)}+${fixed(load.serverCpu.systemPercent)})`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Median delivered msgs/s over the throughput rounds. */
export function deliveredMedian(result: VariantResult): number {
  return median(result.throughputRounds.map(deliveredOf));
}

/** The throughput round closest to the median: its CPU figures go in the table. */
export function representativeRound(result: VariantResult): LoadResult {
  const target = deliveredMedian(result);
  return result.throughputRounds.reduce((best, r) =>
    Math.abs(deliveredOf(r) - target) < Math.abs(deliveredOf(best) - target) ? r : best,
  );
}


/**
 * Goal ratios of delivered msgs/s. Throughput drifts with the machine over a run, so the
 * ratio is taken round by round (the two variants ran next to each other in each round)
 * and the median of those is what the goal is checked against.
 */
export function computeRatios(results: Results): Ratio[] {
  const ratio = (name: string, numerator: VariantName, denominator: VariantName, goal?: number): Ratio => {
    const a = results[numerator]?.throughputRounds ?? [];
    const b = results[denominator]?.throughputRounds ?? [];
    const perRound: number[] = [];
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (deliveredOf(b[i]) > 0) perRound.push(deliveredOf(a[i]) / deliveredOf(b[i]));
    }
    const value = perRound.length ? median(perRound) : undefined;
    const ofMedians =
      results[numerator] && results[denominator] ? deliveredMedian(results[numerator]) / deliveredMedian(results[denominator]) : undefined;
    return {
      name,
      numerator,
      denominator,
      goal,
      value,
      perRound,
      ofMedians,
      met: value !== undefined && goal !== undefined ? value >= goal : undefined,
    };
  };
  return [
    ratio('bidtape off / bare-ws off, delivered msgs/s', 'bidtape off', 'bare-ws off', 1.0),
    ratio('bidtape on / bidtape off, delivered msgs/s', 'bidtape on', 'bidtape off', 0.8),
    ratio('bidtape on / bare-ws on, delivered msgs/s (informative)', 'bidtape on', 'bare-ws on'),
  ];
}

/** A Markdown table, the first column left-aligned and the others right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export const sustained = (load: LoadResult) => load.window.ticksPerSecond >= SUSTAINED * load.offeredMessagesPerSecond;

/** The median throughput round delivered (nearly) all that was offered: capacity is higher. */
const atOfferedRate = (result: VariantResult) => sustained(representativeRound(result));

export function formatReport(results: Results, config: BenchConfig): string {
  const entries = Object.entries(results) as [VariantName, VariantResult][];
  const main = table(
    ['variant', 'delivered msg/s', 'rounds min–max', 'server CPU % usr+sys', 'client CPU % usr+sys', 'softirq %', 'bg %', 'p50 ms', 'p99 ms', 'max ms', 'RSS/conn KiB'],
    entries.map(([name, r]) => {
      const tp = representativeRound(r);
      const rounds = r.throughputRounds.map(deliveredOf);
      const lat = r.latency.window.latency;
      const mark = sustained(r.latency) ? '' : ' *';
      return [
        name,
        (atOfferedRate(r) ? '≥ ' : '') + thousands(deliveredMedian(r)),
        `${thousands(Math.min(...rounds))}–${thousands(Math.max(...rounds))}`,
        serverCpuText(tp),
        `${fixed(tp.window.cpuPercent)} (${fixed(tp.window.cpuUserPercent)}+${fixed(tp.window.cpuSystemPercent)})`,
        fixed(tp.serverCpu.machineSoftirqPercent),
        fixed(tp.background.percent),
        fixed(lat.p50Ms, 2) + mark,
        fixed(lat.p99Ms, 2) + mark,
        fixed(lat.maxMs, 2) + mark,
        fixed(r.memory.rssPerConnectionBytes / 1024, 1),
      ];
    }),
  );
  const details = table(
    ['variant', 'tp offered msg/s', 'lat delivered / offered msg/s', 'lat server CPU %', 'server CPU µs/msg @lat', 'lat bg %', 'wire B/msg', 'app writes/s (tp)', 'app GC % (tp)', 'deflate in→out B (tp)'],
    entries.map(([name, r]) => {
      const tp = representativeRound(r);
      const app = tp.appCounters;
      return [
        name,
        thousands(tp.offeredMessagesPerSecond),
        `${thousands(r.latency.window.ticksPerSecond)} / ${thousands(r.latency.offeredMessagesPerSecond)}`,
        fixed(r.latency.serverCpu.percent),
        fixed(r.latency.serverCpuMicrosPerMessage, 2),
        fixed(r.latency.background.percent),
        fixed(tp.window.wireBytesPerMessage, 1),
        app ? thousands(app.messagesOutPerSecond) : '-',
        app ? fixed(app.gcPercent, 1) : '-',
        app ? `${thousands(app.deflateInputBytes)} → ${thousands(app.deflateOutputBytes)}` : '-',
      ];
    }),
  );
  const notes: string[] = [];
  for (const [name, r] of entries) {
    if (!sustained(r.latency)) {
      notes.push(
        `* ${name} did not sustain the latency-phase rate (${thousands(r.latency.window.ticksPerSecond)} of ` +
          `${thousands(r.latency.offeredMessagesPerSecond)} msg/s): its latency is queueing delay, not fan-out time.`,
      );
    }
    const tp = representativeRound(r);
    if (atOfferedRate(r)) {
      notes.push(
        `≥ ${name} delivered the whole offered rate (${thousands(tp.offeredMessagesPerSecond)} msg/s): its capacity is higher ` +
          'and ratios with it are lower bounds; raise BENCH_THROUGHPUT_RATE to probe further.',
      );
    } else if (tp.window.cpuPercent >= CLIENT_BOUND_PERCENT) {
      notes.push(`  ${name}: the client harness used ${fixed(tp.window.cpuPercent)} % of a core; its delivered figure may be client-bound.`);
    }
    const phases: [string, LoadResult][] = [['latency', r.latency], ...r.throughputRounds.map((t, i): [string, LoadResult] => [`throughput #${i + 1}`, t])];
    for (const [phase, load] of phases) {
      if (load.disturbed) {
        const who = load.background.top.map((p) => `${p.name} ${fixed(p.percent)} %`).join(', ');
        notes.push(`  ${name}: ${phase} window disturbed, kept after ${load.attempts} attempt${load.attempts > 1 ? 's' : ''} (background ${fixed(load.background.percent)} %: ${who}).`);
      }
      if (load.window.closed > 0) notes.push(`  ${name}: ${load.window.closed} clients closed by the server during the ${phase} window.`);
      if (load.connectFailed > 0) notes.push(`  ${name}: ${load.connectFailed} clients failed to subscribe in the ${phase} phase.`);
    }
  }
  const ratios = computeRatios(results)
    .map((r) => {
      if (r.value === undefined) return `  ${r.name}: n/a (${r.numerator} or ${r.denominator} not run)`;
      const verdict = r.goal === undefined ? '' : `  (goal ≥ ${r.goal.toFixed(1)}×) ${r.met ? 'met' : 'NOT met'}`;
      const rounds = r.perRound.map((x) => x.toFixed(2)).join(', ');
      return `  ${r.name}: ${r.value.toFixed(3)}×${verdict}\n      per round ${rounds}; ratio of medians ${fixed(r.ofMedians, 2)}×`;
    })
    .join('\n');
  return [
    `Fan-out to ${config.clients} loopback clients, BTC-USD, protobuf ticks.`,
    `delivered msg/s: throughput phase, ${config.throughputRate} ticks/s offered to every client, ${config.seconds} s window after ${config.warmupSeconds} s warm-up;`,
    `  median of ${config.rounds} rounds interleaved across variants; CPU columns from the round nearest the median (% of one core;`,
    `  softirq: whole machine, mostly loopback TCP; bg: other processes on the machine, a window above ${config.maxBackgroundPercent} % is run again).`,
    `latency: latency phase, ${config.latencyRate} ticks/s offered; receive time − tick.timestampUs; every ${config.latencySampleEvery === 1 ? '' : `${config.latencySampleEvery}th `}tick per client decoded.`,
    `RSS/conn: server VmRSS with ${config.clients} idle subscribed clients minus before, / clients.`,
    `The app runs with SLOW_CONSUMER_SOFT/HARD_BYTES = 256 MiB / 1 GiB so its slow-consumer policy does not act: raw fan-out.`,
    '',
    main,
    '',
    details,
    ...(notes.length ? ['', ...notes] : []),
    '',
    'Goals (median of per-round ratios; the two variants ran side by side in each round):',
    ratios,
  ].join('\n');
}

export interface GitState {
  commit?: string;
  /** Files under src/ that differ from the commit. */
  dirtySrcFiles?: number;
}

/** The working tree the app was built from; read when the bench starts. */
export function gitState(): GitState {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', 'src'], { encoding: 'utf8' }).split('\n').filter(Boolean).length;
    return { commit, dirtySrcFiles: dirty };
  } catch {
    return {};
  }
}

/** What the app runs with in every bench that uses startApp (servers.ts). */
export const APP_SETTINGS = { SLOW_CONSUMER_SOFT_BYTES: '256 MiB', SLOW_CONSUMER_HARD_BYTES: '1 GiB', DEFLATE_THRESHOLD_BYTES: 0 };

/**
 * Writes bench/results/<prefix><timestamp>.json (start and end time, the machine, then
 * `body`) and returns its path.
 */
export function writeResultsFile(root: string, startedAt: Date, body: Record<string, unknown>, prefix = ''): string {
  const dir = path.join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${prefix}${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  const cpus = os.cpus();
  const document = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model,
      memoryBytes: os.totalmem(),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      loadAverageAtEnd: os.loadavg(),
    },
    ...body,
  };
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
  return file;
}

/** The fan-out bench's results file. */
export function writeJson(results: Results, config: BenchConfig, startedAt: Date, git: GitState, root: string): string {
  return writeResultsFile(root, startedAt, { git, config, appSettings: APP_SETTINGS, results, ratios: computeRatios(results) });
}
