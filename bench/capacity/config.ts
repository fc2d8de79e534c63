/**
 * Settings of the capacity bench, in the style of the fan-out bench's (bench/config.ts):
 * the same BENCH_* variables and flags for what the phases share, plus the offered rates, and
 * for its other phases their own rates, max_rates and client mixes.
 */
import { defaultPhaseConfig, int, loadSettings, num, phaseSettings, variantFlag, variantsSetting } from '../config';
import type { PhaseConfig, Setting, VariantName } from '../config';

/**
 * `rates`: one load phase per offered tick rate, BTC-USD at every update. `throttled`: the 12
 * catalogue symbols at one tick rate, every client subscribed to all of them at each max_rate.
 * `deflate`: the same 12-symbol batches with and without permessage-deflate. `json`: the rates
 * phase over the JSON subprotocol. `mix`: a few every-update subscribers among throttled ones.
 * `slow`: a few clients that read slowly among fast ones.
 */
export const CAPACITY_PHASES = ['rates', 'throttled', 'deflate', 'json', 'mix', 'slow'] as const;
export type CapacityPhase = (typeof CAPACITY_PHASES)[number];

/** What each phase runs, in this order, unless BENCH_VARIANTS says otherwise. */
export const PHASE_VARIANTS: Record<CapacityPhase, readonly VariantName[]> = {
  rates: ['bare-ws off', 'bidtape off', 'socket.io'],
  // The app against one timer per subscription (bench/naive-throttle-server.ts).
  throttled: ['bidtape off', 'naive throttle'],
  // Each server with deflate off and on; the bare batch loop is bench/bare-batch-server.ts.
  deflate: ['bidtape off', 'bidtape on', 'bare batch off', 'bare batch on'],
  json: ['bidtape off', 'bidtape json', 'bare-ws json'],
  mix: ['bidtape off', 'naive throttle'],
  // The app with its own slow-consumer limits against the bare loop, which has no policy.
  slow: ['bidtape policy', 'bare-ws off'],
};
export const COMMAND = 'npm run bench:capacity';

export interface CapacityConfig extends PhaseConfig {
  phase: CapacityPhase;
  /** Throttled phase: max_rate of every subscription (updates/s per symbol), one sub-phase each. */
  maxRates: number[];
  /** Throttled, deflate and mix phases: offered ticks/s over all 12 symbols (each gets about a twelfth). */
  throttledTickRate: number;
  /** Offered ticks/s, in this order; each tick goes to every client. */
  rates: number[];
  /** Deflate phase: max_rate of every subscription, one sub-phase each. */
  deflateMaxRates: number[];
  /** JSON phase: offered ticks/s, BTC-USD at every update. */
  jsonRates: number[];
  /** Mix phase: share of the clients subscribed at every update, %; the others are throttled. */
  mixEveryUpdatePercent: number;
  /** Mix phase: max_rate of the throttled clients. */
  mixMaxRate: number;
  /** Slow phase: offered ticks/s, BTC-USD at every update. */
  slowTickRate: number;
  /** Slow phase: share of slow readers in its second run of each variant, %. */
  slowPercent: number;
  /** Slow phase: what a slow reader takes, bytes/s, and how often it resumes its socket. */
  slowReadBytesPerSecond: number;
  slowReadIntervalMs: number;
  /**
   * Ticks decoded (and timed) per client per second, about: every Nth tick with
   * N = rate / decodeRate, so the decoding cost of the harness is the same at every rate.
   */
  decodeRate: number;
}

export const CAPACITY_SETTINGS: Setting<CapacityConfig>[] = [
  ...phaseSettings<CapacityConfig>(),
  {
    env: 'BENCH_PHASE',
    flag: 'phase',
    help: `${CAPACITY_PHASES.join(', ')}: see docs/performance.md (rates)`,
    parse: (raw, config) => {
      const phase = CAPACITY_PHASES.find((p) => p === raw);
      if (!phase) throw new Error(`phase must be one of ${CAPACITY_PHASES.join(', ')}, got "${raw}"`);
      config.phase = phase;
    },
  },
  { env: 'BENCH_RATES', flag: 'rates', help: 'rates: comma list of offered ticks/s (10,100,400,1000,2000)', parse: intList('rates') },
  { env: 'BENCH_MAX_RATES', flag: 'max-rates', help: 'throttled: comma list of max_rate, updates/s per symbol (1,10,100)', parse: intList('maxRates') },
  {
    env: 'BENCH_THROTTLED_TICK_RATE',
    flag: 'throttled-tick-rate',
    help: 'throttled, deflate, mix: offered ticks/s over the 12 symbols (2400)',
    parse: int('throttledTickRate', 1),
  },
  { env: 'BENCH_DEFLATE_MAX_RATES', flag: 'deflate-max-rates', help: 'deflate: comma list of max_rate (10,100)', parse: intList('deflateMaxRates') },
  { env: 'BENCH_JSON_RATES', flag: 'json-rates', help: 'json: comma list of offered ticks/s (10,100,400)', parse: intList('jsonRates') },
  {
    env: 'BENCH_MIX_EVERY_UPDATE_PERCENT',
    flag: 'mix-every-update',
    help: 'mix: % of clients subscribed at every update (5)',
    parse: num('mixEveryUpdatePercent', 0),
  },
  { env: 'BENCH_MIX_MAX_RATE', flag: 'mix-max-rate', help: 'mix: max_rate of the other clients (10)', parse: int('mixMaxRate', 1) },
  { env: 'BENCH_SLOW_TICK_RATE', flag: 'slow-tick-rate', help: 'slow: offered ticks/s, BTC-USD (100)', parse: int('slowTickRate', 1) },
  { env: 'BENCH_SLOW_PERCENT', flag: 'slow-percent', help: 'slow: % of clients reading slowly in the second run (5)', parse: num('slowPercent', 0) },
  {
    env: 'BENCH_SLOW_READ_BYTES',
    flag: 'slow-read-bytes',
    help: 'slow: bytes/s a slow client reads; 0: none (2048)',
    parse: int('slowReadBytesPerSecond', 0),
  },
  {
    env: 'BENCH_SLOW_READ_INTERVAL_MS',
    flag: 'slow-read-interval',
    help: 'slow: a slow client resumes its socket this often, ms (250)',
    parse: int('slowReadIntervalMs', 10),
  },
  {
    env: 'BENCH_DECODE_RATE',
    flag: 'decode-rate',
    help: 'update frames decoded for latency per client per second (10)',
    parse: int('decodeRate', 1),
  },
  variantsSetting<CapacityConfig>(
    [...new Set(Object.values(PHASE_VARIANTS).flat())],
    CAPACITY_PHASES.map((phase) => `${phase}: ${PHASE_VARIANTS[phase].map(variantFlag).join(',')}`).join('; '),
    "comma list of the phase's variants",
  ),
];

type IntListKey = 'rates' | 'maxRates' | 'deflateMaxRates' | 'jsonRates';

function intList(key: IntListKey): Setting<CapacityConfig>['parse'] {
  return (raw, config) => {
    config[key] = raw.split(',').map((part) => {
      const value = Number(part.trim());
      if (!Number.isInteger(value) || value < 1) throw new Error(`${key} must be integers >= 1, got "${raw}"`);
      return value;
    });
  };
}

export function loadCapacityConfig(env: NodeJS.ProcessEnv, argv: string[]): CapacityConfig {
  const defaults: CapacityConfig = {
    ...defaultPhaseConfig([]),
    phase: 'rates',
    rates: [10, 100, 400, 1000, 2000],
    maxRates: [1, 10, 100],
    throttledTickRate: 2400,
    deflateMaxRates: [10, 100],
    jsonRates: [10, 100, 400],
    mixEveryUpdatePercent: 5,
    mixMaxRate: 10,
    slowTickRate: 100,
    slowPercent: 5,
    slowReadBytesPerSecond: 2048,
    slowReadIntervalMs: 250,
    decodeRate: 10,
  };
  const config = loadSettings(CAPACITY_SETTINGS, defaults, env, argv, COMMAND);
  const allowed = PHASE_VARIANTS[config.phase];
  if (config.variants.length === 0) config.variants = [...allowed];
  const misplaced = config.variants.filter((v) => !allowed.includes(v));
  if (misplaced.length > 0) throw new Error(`the ${config.phase} phase runs ${allowed.join(', ')}; not ${misplaced.join(', ')}`);
  return config;
}

/** Decode every Nth tick per client at this offered rate. */
export function sampleEvery(rate: number, config: CapacityConfig): number {
  return Math.max(1, Math.round(rate / config.decodeRate));
}
