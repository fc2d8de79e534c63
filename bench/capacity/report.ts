/** The capacity bench's table, goal checks, keeping-up summary and bytes per tick. */
import type { VariantName } from '../config';
import type { LoadResult } from '../phases';
import { CLIENT_BOUND_PERCENT, fixed, serverCpuText, SUSTAINED, sustained, table, thousands } from '../report';
import type { CapacityConfig } from './config';
import type { WireBytes } from './wire-bytes';

export interface CapacityPoint {
  /** Offered ticks/s. */
  rate: number;
  variant: VariantName;
  load: LoadResult;
}

export interface Check {
  label: string;
  /** undefined: a variant of the pair did not run (or delivered nothing). */
  value?: number;
  comparison: '≤' | '≥';
  limit: number;
  met?: boolean;
}

export interface Goal {
  name: string;
  checks: Check[];
  /** Over all checks (see `rule`); undefined when a check could not be made. */
  met?: boolean;
  rule: string;
}

export interface KeepingUp {
  variant: VariantName;
  /** Highest rate measured at which it delivered ≥ 95 % of the offered messages. */
  keptUpTo?: number;
  /** Lowest rate at which it did not, and the share it delivered there. */
  fellBehindAt?: { rate: number; deliveredShare: number };
}

export const ratesOf = (points: CapacityPoint[]) => [...new Set(points.map((p) => p.rate))].sort((a, b) => a - b);
export const findPoint = (points: CapacityPoint[], rate: number, variant: VariantName) => points.find((p) => p.rate === rate && p.variant === variant);
export const deliveredShare = (load: LoadResult) => load.window.ticksPerSecond / load.offeredMessagesPerSecond;
export const cpuPerUpdate = (load: LoadResult) => load.serverCpuMicrosPerMessage;
export const deliveredPerSecond = (load: LoadResult) => load.window.ticksPerSecond;

export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b <= 0 ? undefined : a / b;
}

/** `metric` of `variant` over the baseline's at the same point; undefined when either did not run. */
export function ratioAt(points: CapacityPoint[], rate: number, variant: VariantName, baseline: VariantName, metric: (load: LoadResult) => number): number | undefined {
  const a = findPoint(points, rate, variant);
  const b = findPoint(points, rate, baseline);
  return ratio(a && metric(a.load), b && metric(b.load));
}

export function check(label: string, value: number | undefined, comparison: Check['comparison'], limit: number): Check {
  const met = value === undefined ? undefined : comparison === '≤' ? value <= limit : value >= limit;
  return { label, value, comparison, limit, met };
}

/** Not met as soon as one check fails; undefined while a check could not be made and none failed. */
export const allMet = (checks: Check[]) => (checks.some((c) => c.met === false) ? false : checks.some((c) => c.met === undefined) ? undefined : true);

/**
 * (a) bidtape's server CPU per delivered message against the bare loop's, rate by rate;
 * (b) against Socket.IO's at every rate, or failing that, bidtape's delivered msgs/s at
 * least 3× Socket.IO's at the highest rate both were measured at.
 */
export function capacityGoals(points: CapacityPoint[]): Goal[] {
  const rates = ratesOf(points);
  const bare = bareLoopCpuChecks(points, 'bidtape off', 'bare-ws off');
  const socketIoCpu = rates.map((rate) => check(`${rate} ticks/s`, ratioAt(points, rate, 'bidtape off', 'socket.io', cpuPerUpdate), '≤', 0.33));
  // The highest rate at which both delivered something (a stalled harness measures nothing).
  const deliveredRatio = (rate: number) => ratioAt(points, rate, 'bidtape off', 'socket.io', deliveredPerSecond);
  const highest = rates.filter((rate) => (deliveredRatio(rate) ?? 0) > 0).at(-1);
  const socketIoDelivered = highest === undefined ? [] : [check(`delivered msgs/s at ${highest} ticks/s`, deliveredRatio(highest), '≥', 3)];
  const byCpu = allMet(socketIoCpu);
  const byDelivered = allMet(socketIoDelivered);
  return [
    {
      name: '(a) bidtape off / bare-ws off, server CPU per delivered message',
      rule: BARE_LOOP_RULE,
      checks: bare,
      met: allMet(bare),
    },
    {
      name: '(b) bidtape off / socket.io, server CPU per delivered message',
      rule: "≤ 0.33× at every rate, or bidtape's delivered msgs/s ≥ 3× Socket.IO's at the highest rate both were measured at",
      checks: [...socketIoCpu, ...socketIoDelivered],
      met: byCpu === true || byDelivered === true ? true : byCpu === undefined && byDelivered === undefined ? undefined : false,
    },
  ];
}

/** Issue #12's goal against a bare loop: CPU per delivered message ≤ 0.5× at 100 ticks/s and above, ≤ 1.0× below. */
export const BARE_LOOP_RULE = '≤ 0.5× at 100 ticks/s and above, ≤ 1.0× below, at every rate';

export function bareLoopCpuChecks(points: CapacityPoint[], variant: VariantName, bareLoop: VariantName): Check[] {
  return ratesOf(points).map((rate) => check(`${rate} ticks/s`, ratioAt(points, rate, variant, bareLoop, cpuPerUpdate), '≤', rate >= 100 ? 0.5 : 1.0));
}

export function keepingUp(points: CapacityPoint[], variants: readonly VariantName[]): KeepingUp[] {
  return variants.map((variant) => {
    const mine = points.filter((p) => p.variant === variant).sort((a, b) => a.rate - b.rate);
    const behind = mine.find((p) => !sustained(p.load));
    const keptUpTo = mine.filter((p) => sustained(p.load)).at(-1)?.rate;
    return { variant, keptUpTo, fellBehindAt: behind && { rate: behind.rate, deliveredShare: deliveredShare(behind.load) } };
  });
}

/** The rates phase's table: one row per rate and variant. */
export function formatTable(points: CapacityPoint[]): string {
  return table(
    ['ticks/s', 'variant', 'delivered msg/s', 'offered msg/s', 'delivered %', 'server CPU % usr+sys', 'server CPU µs/msg', 'p50 ms', 'p99 ms', 'client CPU %', 'bg %', 'wire B/msg'],
    points.map(({ rate, variant, load }) => [
      String(rate),
      variant,
      thousands(load.window.ticksPerSecond),
      thousands(load.offeredMessagesPerSecond),
      fixed(deliveredShare(load) * 100, 1),
      serverCpuText(load),
      fixed(load.serverCpuMicrosPerMessage, 2),
      fixed(load.window.latency.p50Ms, 2),
      fixed(load.window.latency.p99Ms, 2),
      fixed(load.window.cpuPercent),
      fixed(load.background.percent),
      fixed(load.window.wireBytesPerMessage, 1),
    ]),
  );
}

/** Notes on rows that were not measured cleanly; `unit` names what `rate` is. */
export function formatNotes(points: CapacityPoint[], unit = 'ticks/s'): string[] {
  const notes: string[] = [];
  for (const { rate, variant, load } of points) {
    const at = `${variant} at ${rate} ${unit}`;
    if (load.window.timeline.length === 0) {
      // Flooded sockets kept the harness's event loop from ever running its clock: nothing was measured.
      notes.push(`  ${at}: NOT MEASURED: the client harness stalled (its ${fixed(load.window.cpuPercent)} % of a core went to reading; its window clock never ran). The 0 is the harness's limit, not the server's.`);
      continue;
    }
    if (!sustained(load) && load.window.cpuPercent >= CLIENT_BOUND_PERCENT) {
      notes.push(`  ${at}: the client harness used ${fixed(load.window.cpuPercent)} % of a core; the delivered figure may be client-bound.`);
    }
    if (load.disturbed) {
      const who = load.background.top.map((p) => `${p.name} ${fixed(p.percent)} %`).join(', ');
      notes.push(`  ${at}: window disturbed, kept after ${load.attempts} attempts (background ${fixed(load.background.percent)} %: ${who}).`);
    }
    if (load.window.closed > 0) notes.push(`  ${at}: ${load.window.closed} clients closed by the server during the window.`);
    if (load.connectFailed > 0) notes.push(`  ${at}: ${load.connectFailed} clients failed to subscribe.`);
  }
  return notes;
}

export function formatGoals(goals: Goal[]): string[] {
  const lines: string[] = [];
  for (const goal of goals) {
    const verdict = goal.met === undefined ? 'n/a (a variant did not run)' : goal.met ? 'met' : 'not met';
    lines.push(`  ${goal.name}: ${verdict}`, `      goal: ${goal.rule}`);
    for (const c of goal.checks) {
      const limit = `${c.comparison} ${c.limit.toFixed(2).replace(/0$/, '')}×`;
      const value = c.value === undefined ? 'n/a' : `${c.value.toFixed(3)}× (${limit}) ${c.met ? 'met' : 'not met'}`;
      lines.push(`      ${c.label}: ${value}`);
    }
  }
  return lines;
}

function formatKeepingUp(summary: KeepingUp[], highest: number | undefined): string[] {
  return summary.map(({ variant, keptUpTo, fellBehindAt }) => {
    if (!fellBehindAt) return `  ${variant}: keeps up at all rates measured (up to ${highest} ticks/s)`;
    const upTo = keptUpTo === undefined ? 'kept up at no rate measured' : `keeps up to ${keptUpTo} ticks/s`;
    return `  ${variant}: ${upTo}; stops keeping up at ${fellBehindAt.rate} ticks/s (delivered ${fixed(fellBehindAt.deliveredShare * 100)} % of offered)`;
  });
}

export function formatWireBytes(wire: WireBytes): string {
  const [tick] = wire.sizes;
  const rows = wire.sizes.map((s) => [
    s.message,
    s.ticks > 1 ? `1/${s.ticks}` : String(s.frames),
    s.payloadBytes.join(' + '),
    String(s.headerBytes),
    fixed(s.bytesPerTick, 1),
    `${fixed(s.bytesPerTick / tick.bytesPerTick, 2)}×`,
  ]);
  const coinbase = wire.sizes.at(-1)!;
  const batch = wire.sizes[1];
  return [
    'Bytes per tick on the wire (one real encoded tick of each server, BTC-USD; WebSocket frame headers included, no masking, deflate off):',
    '',
    table(['message', 'frames per tick', 'payload B', 'frame header B', 'B per tick', 'vs bidtape tick'], rows),
    '',
    `Coinbase "ticker" / bidtape tick: ${fixed(coinbase.bytesPerTick / tick.bytesPerTick, 2)}× the bytes per tick; ` +
      `/ bidtape TickBatch: ${fixed(coinbase.bytesPerTick / batch.bytesPerTick, 2)}×.`,
    `bidtape's tick payload is ${wire.samePayloadAsPeers ? '' : 'NOT '}byte for byte the peers' (bare-ws frame, Socket.IO attachment).`,
    `Coinbase message counted: ${wire.coinbaseJson}`,
  ].join('\n');
}

export function formatCapacity(points: CapacityPoint[], config: CapacityConfig, goals: Goal[], summary: KeepingUp[]): string {
  const notes = formatNotes(points);
  return [
    `Capacity: ${config.clients} loopback clients, BTC-USD, protobuf ticks; ${config.seconds} s window after ${config.warmupSeconds} s warm-up, one fresh server per row.`,
    'delivered msg/s: ticks received by all clients / window (a Socket.IO tick is two frames, counted once). server CPU: user+system of the',
    'server process from /proc over the window, % of one core; µs/msg = that CPU time / delivered messages. Latency: receive − publish',
    `time of about ${config.decodeRate} decoded ticks per client per second. bg: other processes on the machine (a window above ${config.maxBackgroundPercent} % is run again).`,
    '',
    formatTable(points),
    ...(notes.length ? ['', ...notes] : []),
    '',
    'Goals:',
    ...formatGoals(goals),
    '',
    `Keeping up (delivered ≥ ${SUSTAINED * 100} % of offered):`,
    ...formatKeepingUp(summary, ratesOf(points).at(-1)),
  ].join('\n');
}
