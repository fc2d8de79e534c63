/** The json phase's table, goal and bytes per tick in each subprotocol. */
import type { VariantName } from '../config';
import { fixed } from '../report';
import type { CapacityConfig } from './config';
import { allMet, BARE_LOOP_RULE, bareLoopCpuChecks, findPoint, formatGoals, formatNotes, formatTable, ratesOf } from './report';
import type { CapacityPoint, Goal } from './report';
import type { JsonBytes } from './wire-bytes';

/** The rates phase's goal (a) over JSON: bidtape json against the bare JSON loop. */
export function jsonGoal(points: CapacityPoint[]): Goal {
  const checks = bareLoopCpuChecks(points, 'bidtape json', 'bare-ws json');
  return { name: 'bidtape json / bare-ws json, server CPU per delivered message', rule: BARE_LOOP_RULE, checks, met: allMet(checks) };
}

function measuredBytes(points: CapacityPoint[], variant: VariantName): string {
  const rates = ratesOf(points).filter((rate) => findPoint(points, rate, variant));
  if (rates.length === 0) return 'n/a';
  return rates.map((rate) => `${fixed(findPoint(points, rate, variant)!.load.window.wireBytesPerMessage, 1)} at ${rate}`).join(', ');
}

export function formatJson(points: CapacityPoint[], config: CapacityConfig, goal: Goal, bytes: JsonBytes): string {
  const notes = formatNotes(points);
  return [
    `JSON: ${config.clients} loopback clients, BTC-USD at every update; bidtape off with bidtape.v1.proto clients, bidtape json and bare-ws json with bidtape.v1.json`,
    `clients (text frames); ${config.seconds} s window after ${config.warmupSeconds} s warm-up, one fresh server per row. Columns as in the rates phase; a JSON tick is`,
    `counted by the start of its text and about ${config.decodeRate} per client per second are JSON.parse'd for the latency.`,
    '',
    formatTable(points),
    ...(notes.length ? ['', ...notes] : []),
    '',
    'Bytes per tick (frame header included):',
    `  computed: JSON ${bytes.jsonFrameBytes} B, protobuf ${bytes.protoFrameBytes} B (JSON ${fixed(bytes.jsonFrameBytes / bytes.protoFrameBytes, 2)}×); the bare loop's text is` +
      ` ${bytes.bareSameAsBidtape ? '' : 'NOT '}byte for byte bidtape's`,
    `  measured, wire B per message at each rate: bidtape json ${measuredBytes(points, 'bidtape json')}; bidtape off (proto) ${measuredBytes(points, 'bidtape off')};` +
      ` bare-ws json ${measuredBytes(points, 'bare-ws json')}`,
    `  JSON tick counted: ${bytes.json}`,
    '',
    'Goal:',
    ...formatGoals([goal]),
  ].join('\n');
}
