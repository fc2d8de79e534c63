/** The slow phase's table, the fast clients' p99 goal, and how long a slow client takes to reach the app's limits. */
import { readFileSync } from 'node:fs';
import { envSchema } from '../../src/config/config.schema';
import type { VariantName } from '../config';
import type { GroupWindow } from '../harness-protocol';
import type { LoadResult } from '../phases';
import { fixed, serverCpuText, table, thousands } from '../report';
import type { CapacityConfig } from './config';
import { allMet, check, findPoint, formatGoals, formatNotes, ratio } from './report';
import type { CapacityPoint, Check, Goal } from './report';

/** The slow phase's client classes (harness groups). */
export const SLOW = 'slow';
export const FAST = 'fast';
/** Source address of each class: the slow clients bind their own, so `ss` tells their sockets apart. */
export const CLIENT_ADDRESS = { [SLOW]: '127.0.0.2', [FAST]: '127.0.0.1' };

const GOAL_RATIO = 1.5;
const MiB = 1024 * 1024;

/** What `bidtape policy` runs with: the app's own defaults (src/config/config.schema.ts). */
export const APP_SLOW_CONSUMER_LIMITS = {
  softBytes: envSchema.shape.SLOW_CONSUMER_SOFT_BYTES.parse(undefined),
  hardBytes: envSchema.shape.SLOW_CONSUMER_HARD_BYTES.parse(undefined),
  graceMs: envSchema.shape.SLOW_CONSUMER_GRACE_MS.parse(undefined),
};

const groupOf = (load: LoadResult | undefined, name: string) => load?.window.groups.find((g) => g.name === name);
const fastP99 = (points: CapacityPoint[], slowPercent: number, variant: VariantName) => groupOf(findPoint(points, slowPercent, variant)?.load, FAST)?.latency.p99Ms;
const slowPercents = (points: CapacityPoint[]) => [...new Set(points.map((p) => p.rate))].sort((a, b) => a - b);

/** The fast clients' p99 with slow clients over their p99 without, for one variant. */
function p99Check(points: CapacityPoint[], variant: VariantName): Check {
  const [none, some] = [slowPercents(points)[0], slowPercents(points).at(-1)!];
  return check(`${variant}: fast p99 with ${some} % slow / with ${none} %`, ratio(fastP99(points, some, variant), fastP99(points, none, variant)), '≤', GOAL_RATIO);
}

export function slowGoal(points: CapacityPoint[]): Goal {
  const checks = [p99Check(points, 'bidtape policy')];
  return { name: "bidtape policy, fast clients' p99 with slow clients / without", rule: `≤ ${GOAL_RATIO}×`, checks, met: allMet(checks) };
}

/** Largest send buffer the kernel grows a TCP socket to (net.ipv4.tcp_wmem, third field). */
function kernelSendBufferMax(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/tcp_wmem', 'utf8').trim().split(/\s+/)[2]);
  } catch {
    return NaN;
  }
}

const perSocketKiB = (load: LoadResult, address: string) => {
  const queue = load.serverSendQueues[address];
  return queue ? fixed(queue.bytes / queue.sockets / 1024, 1) : 'n/a';
};

function closedText(group: GroupWindow | undefined): string {
  if (!group) return '';
  const codes = Object.entries(group.closeCodes).map(([code, count]) => `${count}×${code}`);
  return codes.length ? `${group.closed} (${codes.join(', ')})` : '0';
}

/**
 * When a slow client's backlog can reach the app's limits: the kernel takes up to its send
 * buffer first, and only what the process holds beyond that counts against the soft limit.
 */
function fillEstimate(points: CapacityPoint[], config: CapacityConfig): string[] {
  const none = points.find((p) => p.rate === 0 && groupOf(p.load, FAST));
  const fast = groupOf(none?.load, FAST);
  if (!none || !fast || fast.clients === 0) return [];
  const sentPerClient = fast.wireBytes / none.load.window.seconds / fast.clients;
  const growth = sentPerClient - config.slowReadBytesPerSecond;
  const kernel = kernelSendBufferMax();
  const { softBytes, hardBytes, graceMs } = APP_SLOW_CONSUMER_LIMITS;
  const lines = [
    `A client here is sent ~${thousands(sentPerClient)} B/s; a slow one reads ${thousands(config.slowReadBytesPerSecond)} B/s, so its backlog grows by ~${thousands(growth)} B/s.`,
    `The kernel holds up to ${fixed(kernel / MiB, 1)} MiB of it per connection (net.ipv4.tcp_wmem) before the server process queues any; the app's policy counts what the`,
    `process queues: soft ${fixed(softBytes / MiB, 1)} MiB (warn, conflate, then close 4008 after ${graceMs / 1000} s), hard ${fixed(hardBytes / MiB, 1)} MiB (close 4008).`,
  ];
  if (growth <= 0) return [...lines, 'At this read rate the slow clients keep up: nothing piles up.'];
  const seconds = (bytes: number) => fixed((kernel + bytes) / growth);
  return [
    ...lines,
    `At that growth a slow client passes the soft limit after ~${seconds(softBytes)} s and the hard one after ~${seconds(hardBytes)} s from its subscribe;`,
    `this run gave it ${fixed(config.warmupSeconds + config.seconds)} s (warm-up + window). Raise --slow-tick-rate, --seconds or --warmup, or lower --slow-read-bytes, to get there.`,
  ];
}

export function formatSlow(points: CapacityPoint[], config: CapacityConfig, goal: Goal): string {
  const rows = points.map(({ rate, variant, load }) => {
    const fast = groupOf(load, FAST);
    const slow = groupOf(load, SLOW);
    const expected = load.offeredTicksPerSecond * (fast?.clients ?? 0);
    return [
      variant,
      String(rate),
      String(fast?.clients ?? 0),
      thousands(fast?.ticksPerSecond),
      fixed(fast ? (fast.ticksPerSecond / expected) * 100 : undefined, 1),
      fixed(fast?.latency.p50Ms, 2),
      fixed(fast?.latency.p99Ms, 2),
      String(slow?.clients ?? 0),
      slow ? thousands(slow.ticksPerSecond) : '',
      closedText(slow),
      load.appCounters ? `${load.appCounters.slowConsumerActions.warn}/${load.appCounters.slowConsumerActions.recover}/${load.appCounters.slowConsumerActions.close}` : '',
      slow ? perSocketKiB(load, CLIENT_ADDRESS[SLOW]) : '',
      perSocketKiB(load, CLIENT_ADDRESS[FAST]),
      fixed(load.serverRssEndBytes / MiB, 1),
      serverCpuText(load),
      fixed(load.window.cpuPercent),
      fixed(load.background.percent),
    ];
  });
  const bare = p99Check(points, 'bare-ws off');
  const notes = formatNotes(points, '% slow');
  const { softBytes, hardBytes } = APP_SLOW_CONSUMER_LIMITS;
  return [
    `Slow consumers: ${config.clients} loopback clients, BTC-USD at every update, ${config.slowTickRate} ticks/s; in the second run of each variant ${config.slowPercent} % of them read`,
    `slowly: socket paused, resumed every ${config.slowReadIntervalMs} ms for ${thousands((config.slowReadBytesPerSecond * config.slowReadIntervalMs) / 1000)} bytes (${thousands(config.slowReadBytesPerSecond)} B/s). ` +
      `${config.seconds} s window after ${config.warmupSeconds} s warm-up, one fresh server per row.`,
    `bidtape policy: the app's slow-consumer limits at its defaults (soft ${fixed(softBytes / MiB, 1)} MiB, hard ${fixed(hardBytes / MiB, 1)} MiB); bare-ws off has no policy.`,
    'fast delivered %: of the offered ticks × fast clients. slow closed: slow clients closed in the window, by close code (4008: slow consumer; 1006:',
    "dropped; a slow reader sees a close only when it reads that far). app warn/recover/close: the app's slow-consumer actions since it started",
    "(/metrics). kernel SendQ: the kernel's send queue per server socket to that class right after the window (`ss`), KiB. RSS: the server's at the end.",
    '',
    table(
      ['variant', 'slow %', 'fast n', 'fast upd/s', 'fast delivered %', 'fast p50 ms', 'fast p99 ms', 'slow n', 'slow upd/s', 'slow closed', 'app warn/recover/close', 'slow kernel SendQ KiB', 'fast kernel SendQ KiB', 'server RSS MiB', 'server CPU % usr+sys', 'client CPU %', 'bg %'],
      rows,
    ),
    ...(notes.length ? ['', ...notes] : []),
    '',
    ...fillEstimate(points, config),
    '',
    'Goal:',
    ...formatGoals([goal]),
    `  for comparison (no goal): ${bare.label}: ${bare.value === undefined ? 'n/a' : `${bare.value.toFixed(3)}×`}`,
  ].join('\n');
}
