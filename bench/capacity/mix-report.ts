/** The mix phase's table (one row per client class and one for the whole server) and its goal. */
import type { GroupWindow } from '../harness-protocol';
import { fixed, serverCpuText, table, thousands } from '../report';
import { CATALOGUE_SYMBOLS } from '../tick-stream';
import type { CapacityConfig } from './config';
import { allMet, check, cpuPerUpdate, formatGoals, formatNotes, ratesOf, ratioAt } from './report';
import type { CapacityPoint, Goal } from './report';
import { changeBound, THROTTLED_CPU_RATIO } from './throttled-report';

/** The mix's client classes (harness groups). */
export const EVERY_UPDATE = 'every update';
export const THROTTLED = 'throttled';

/** Updates a client of the class can get per second at most: every tick, or 12 × R. */
export function expectedPerClient(config: CapacityConfig, group: string): number {
  return group === EVERY_UPDATE ? config.throttledTickRate : CATALOGUE_SYMBOLS.length * config.mixMaxRate;
}

/** The throttled phase's goal, over the whole mix: CPU per delivered update ≤ 0.5× the naive server's. */
export function mixGoal(points: CapacityPoint[]): Goal {
  const checks = ratesOf(points).map((rate) => check(`max_rate ${rate}`, ratioAt(points, rate, 'bidtape off', 'naive throttle', cpuPerUpdate), '≤', THROTTLED_CPU_RATIO));
  return { name: 'bidtape off / naive throttle, server CPU per delivered update (all clients)', rule: `≤ ${THROTTLED_CPU_RATIO}×`, checks, met: allMet(checks) };
}

const everyUpdateGroup = (point: CapacityPoint) => point.load.window.groups.find((g) => g.name === EVERY_UPDATE);

export function formatMix(points: CapacityPoint[], config: CapacityConfig, goal: Goal): string {
  const groupRow = (point: CapacityPoint, group: GroupWindow) => {
    const expected = expectedPerClient(config, group.name) * group.clients;
    const bound = group.name === EVERY_UPDATE ? 1 : changeBound(config.throttledTickRate, config.mixMaxRate);
    return [
      point.variant,
      group.name,
      String(group.clients),
      thousands(group.ticksPerSecond),
      thousands(expected),
      fixed((group.ticksPerSecond / expected) * 100, 1),
      fixed(bound * 100, 1),
      thousands(group.updateFramesPerSecond),
      fixed(group.latency.p50Ms, 2),
      fixed(group.latency.p99Ms, 2),
      '',
      '',
      '',
      '',
      '',
    ];
  };
  const rows = points.flatMap((point) => {
    const { load } = point;
    return [
      ...load.window.groups.map((group) => groupRow(point, group)),
      [
        point.variant,
        'all',
        String(load.subscribed),
        thousands(load.window.ticksPerSecond),
        thousands(load.offeredMessagesPerSecond),
        fixed((load.window.ticksPerSecond / load.offeredMessagesPerSecond) * 100, 1),
        '',
        thousands(load.window.updateFramesPerSecond),
        fixed(load.window.latency.p50Ms, 2),
        fixed(load.window.latency.p99Ms, 2),
        serverCpuText(load),
        fixed(load.serverCpuMicrosPerMessage, 2),
        fixed(load.window.cpuPercent),
        `${fixed(load.window.loopDelayP99Ms, 1)} / ${fixed(load.window.loopDelayMaxMs, 1)}`,
        fixed(load.background.percent),
      ],
    ];
  });
  const p99 = points.map((p) => `${p.variant} ${fixed(everyUpdateGroup(p)?.latency.p99Ms, 2)} ms`).join(', ');
  const notes = formatNotes(points, 'max_rate');
  const n = CATALOGUE_SYMBOLS.length;
  return [
    `Mix: ${config.clients} loopback clients subscribed to the ${n} catalogue symbols, ${config.mixEveryUpdatePercent} % at every update (max_rate 0) and the others at` +
      ` max_rate ${config.mixMaxRate}; ${config.throttledTickRate} ticks/s offered over the ${n}; ${config.seconds} s window after ${config.warmupSeconds} s warm-up, one fresh server per variant.`,
    `expected: every update, clients × ${config.throttledTickRate}; throttled, clients × ${n} × R (max %: what a perfect throttle delivers). Latency per class from about`,
    `${config.decodeRate} decoded update frames per client per second. server CPU and µs/upd (over every update delivered to any client) on each variant's "all" row.`,
    'client loop delay: how late the harness\'s own event loop ran; a message arriving meanwhile waits that long before it is timed.',
    '',
    table(
      ['variant', 'class', 'clients', 'delivered upd/s', 'expected upd/s', 'delivered %', 'max %', 'frames/s', 'p50 ms', 'p99 ms', 'server CPU % usr+sys', 'server CPU µs/upd', 'client CPU %', 'client loop delay p99 / max ms', 'bg %'],
      rows,
    ),
    ...(notes.length ? ['', ...notes] : []),
    '',
    `Every-update clients' p99: ${p99}.`,
    '',
    'Goal:',
    ...formatGoals([goal]),
  ].join('\n');
}
