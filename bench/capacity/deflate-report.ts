/** The deflate phase's table, goals and the bytes deflate saves. */
import type { VariantName } from '../config';
import type { LoadResult } from '../phases';
import { fixed, serverCpuText, table, thousands } from '../report';
import { CATALOGUE_SYMBOLS } from '../tick-stream';
import type { CapacityConfig } from './config';
import { allMet, check, deliveredPerSecond, findPoint, formatGoals, formatNotes, ratesOf, ratioAt } from './report';
import type { CapacityPoint, Goal } from './report';
import { changeBound } from './throttled-report';
import type { DeflatedSize } from './wire-bytes';

/** Each compressing variant and the same server with deflate off. */
const DEFLATE_OFF: Partial<Record<VariantName, VariantName>> = { 'bidtape on': 'bidtape off', 'bare batch on': 'bare batch off' };

/** TCP bytes the clients read per update delivered. */
const wireBytesPerUpdate = (load: LoadResult) => (load.window.ticks > 0 ? load.window.wireBytes / load.window.ticks : NaN);

/** The same server with deflate off at the same max_rate, for a compressing variant. */
function deflateOff(points: CapacityPoint[], point: CapacityPoint): CapacityPoint | undefined {
  const off = DEFLATE_OFF[point.variant];
  return off && findPoint(points, point.rate, off);
}

/** % of the wire bytes per update that deflate saved against the same server with it off. */
function savedPercent(points: CapacityPoint[], point: CapacityPoint): number | undefined {
  const off = deflateOff(points, point);
  return off && (1 - wireBytesPerUpdate(point.load) / wireBytesPerUpdate(off.load)) * 100;
}

/** Issue #12: deflate on keeps ≥ 0.8× of our deflate-off rate and delivers ≥ 10× the bare loop with per-client deflate. */
export function deflateGoals(points: CapacityPoint[]): Goal[] {
  const rates = ratesOf(points);
  const goal = (name: string, baseline: VariantName, limit: number): Goal => {
    const checks = rates.map((rate) => check(`max_rate ${rate}`, ratioAt(points, rate, 'bidtape on', baseline, deliveredPerSecond), '≥', limit));
    return { name, rule: `≥ ${limit}× at every max_rate`, checks, met: allMet(checks) };
  };
  return [
    goal('bidtape on / bidtape off, delivered updates/s', 'bidtape off', 0.8),
    goal('bidtape on / bare batch on (ws per-client deflate), delivered updates/s', 'bare batch on', 10),
  ];
}

function formatSizes(sizes: DeflatedSize[]): string[] {
  return [
    `Computed from real encodings (the gateway's FrameEncoder, level 6, no context takeover; frame headers included):`,
    '',
    table(
      ['message', 'raw B', `deflated B (window ${sizes[0]?.windowBits})`, 'saved %'],
      sizes.map((s) => [s.message, String(s.rawFrameBytes), String(s.deflatedFrameBytes), fixed((1 - s.deflatedFrameBytes / s.rawFrameBytes) * 100, 1)]),
    ),
  ];
}

export function formatDeflate(points: CapacityPoint[], config: CapacityConfig, goals: Goal[], sizes: DeflatedSize[]): string {
  const n = CATALOGUE_SYMBOLS.length;
  const rows = points.map((point) => {
    const { rate, variant, load } = point;
    const counters = load.appCounters;
    return [
      String(rate),
      variant,
      thousands(load.window.ticksPerSecond),
      thousands(load.offeredMessagesPerSecond),
      fixed((load.window.ticksPerSecond / load.offeredMessagesPerSecond) * 100, 1),
      fixed(changeBound(config.throttledTickRate, rate) * 100, 1),
      serverCpuText(load),
      fixed(load.serverCpuMicrosPerMessage, 2),
      thousands(load.window.updateFramesPerSecond),
      fixed(wireBytesPerUpdate(load), 1),
      DEFLATE_OFF[variant] ? fixed(savedPercent(points, point), 1) : '',
      counters && counters.deflateInputBytes > 0 ? `${thousands(counters.deflateInputBytes)}→${thousands(counters.deflateOutputBytes)}` : '',
      fixed(load.window.latency.p50Ms, 2),
      fixed(load.window.latency.p99Ms, 2),
      fixed(load.window.cpuPercent),
      fixed(load.background.percent),
    ];
  });
  const saved = points.flatMap((point) => {
    const off = deflateOff(points, point);
    if (!off) return [];
    return [
      `  ${point.variant} at max_rate ${point.rate}: ${fixed(savedPercent(points, point), 1)} % of the wire bytes per update of ${off.variant}` +
        ` (${fixed(wireBytesPerUpdate(point.load), 1)} B against ${fixed(wireBytesPerUpdate(off.load), 1)} B)`,
    ];
  });
  const notes = formatNotes(points, 'max_rate');
  return [
    `Deflate: ${config.clients} loopback clients, each subscribed to the ${n} catalogue symbols at max_rate R; ${config.throttledTickRate} ticks/s offered over the ${n};` +
      ` permessage-deflate window ${config.windowBits}, no context takeover, threshold 0 for the "on" variants; ${config.seconds} s window after ${config.warmupSeconds} s warm-up, one fresh server per row.`,
    'delivered: tick updates received by all clients / window (a TickBatch of n ticks counts n); expected: clients × 12 × R, max %: what a perfect',
    'throttle delivers. wire B/upd: TCP bytes the clients read / updates delivered (frame headers, and the few other messages, included). saved %:',
    'wire bytes per update against the same server with deflate off. deflate in→out: bytes the app offered to deflate and what it sent for them.',
    '',
    table(
      ['max_rate', 'variant', 'delivered upd/s', 'expected upd/s', 'delivered %', 'max %', 'server CPU % usr+sys', 'server CPU µs/upd', 'frames/s', 'wire B/upd', 'saved %', 'deflate in→out B', 'p50 ms', 'p99 ms', 'client CPU %', 'bg %'],
      rows,
    ),
    ...(notes.length ? ['', ...notes] : []),
    '',
    'Bytes deflate saves on the wire:',
    ...(saved.length ? saved : ['  n/a (no "on" variant ran next to its "off" one)']),
    '',
    ...formatSizes(sizes),
    '',
    'Goals:',
    ...formatGoals(goals),
  ].join('\n');
}
