/** The throttled phase's table and goal: bidtape's server CPU per delivered update against the naive baseline's. */
import type { LoadResult } from '../phases';
import { fixed, serverCpuText, table, thousands } from '../report';
import { CATALOGUE_SYMBOLS } from '../tick-stream';
import type { CapacityConfig } from './config';
import { allMet, check, cpuPerUpdate, formatGoals, formatNotes, ratesOf, ratioAt } from './report';
import type { CapacityPoint, Goal } from './report';

/** Issue #12: a throttled update costs bidtape at most half what it costs the naive server. */
export const THROTTLED_CPU_RATIO = 0.5;

/**
 * Largest share of the expected updates that can arrive: a symbol ticks at random (the model
 * picks one of the 12 per tick), so a throttle period of 1/R s holds no change of it with
 * probability e^(−λ/R), λ its ticks/s.
 */
export function changeBound(tickRate: number, maxRate: number): number {
  return 1 - Math.exp(-tickRate / CATALOGUE_SYMBOLS.length / maxRate);
}

export function throttledGoal(points: CapacityPoint[]): Goal {
  const checks = ratesOf(points).map((rate) => check(`max_rate ${rate}`, ratioAt(points, rate, 'bidtape off', 'naive throttle', cpuPerUpdate), '≤', THROTTLED_CPU_RATIO));
  return {
    name: 'bidtape off / naive throttle, server CPU per delivered update',
    rule: `≤ ${THROTTLED_CPU_RATIO}× at every max_rate`,
    checks,
    met: allMet(checks),
  };
}

const delivered = (load: LoadResult) => load.window.ticksPerSecond;

export function formatThrottled(points: CapacityPoint[], config: CapacityConfig, goal: Goal): string {
  const rows = points.map(({ rate, variant, load }) => [
    String(rate),
    variant,
    thousands(delivered(load)),
    thousands(load.offeredMessagesPerSecond),
    fixed((delivered(load) / load.offeredMessagesPerSecond) * 100, 1),
    fixed(changeBound(config.throttledTickRate, rate) * 100, 1),
    serverCpuText(load),
    fixed(load.serverCpuMicrosPerMessage, 2),
    thousands(load.window.updateFramesPerSecond),
    fixed(delivered(load) / load.window.updateFramesPerSecond, 2),
    fixed(load.window.latency.p50Ms, 2),
    fixed(load.window.latency.p99Ms, 2),
    fixed(load.window.cpuPercent),
    fixed(load.background.percent),
  ]);
  const notes = formatNotes(points, 'max_rate');
  const n = CATALOGUE_SYMBOLS.length;
  return [
    `Throttled: ${config.clients} loopback clients, each subscribed to the ${n} catalogue symbols at max_rate R; ${config.throttledTickRate} ticks/s offered over the ${n}` +
      ` (~${fixed(config.throttledTickRate / n)} per symbol); ${config.seconds} s window after ${config.warmupSeconds} s warm-up, one fresh server per row.`,
    `delivered: tick updates received by all clients / window (a TickBatch of n ticks counts n); expected: clients × ${n} × R. max %: the share a`,
    'perfect throttle delivers, as a period may hold no change of a symbol (1 − e^(−λ/R)). server CPU: user+system of the server process over the',
    'window, % of one core; µs/update = that CPU time / delivered updates. frames/s: frames carrying updates. Latency: receive − publish time of',
    `each tick in about ${config.decodeRate} decoded update frames per client per second (it includes the time a tick waited for its flush).`,
    '',
    table(
      ['max_rate', 'variant', 'delivered upd/s', 'expected upd/s', 'delivered %', 'max %', 'server CPU % usr+sys', 'server CPU µs/upd', 'frames/s', 'upd/frame', 'p50 ms', 'p99 ms', 'client CPU %', 'bg %'],
      rows,
    ),
    ...(notes.length ? ['', ...notes] : []),
    '',
    'Goal:',
    ...formatGoals([goal]),
  ].join('\n');
}
