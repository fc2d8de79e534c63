/**
 * Settings of the capacity bench, in the style of the fan-out bench's (bench/config.ts):
 * the same BENCH_* variables and flags for what the phases share, plus the offered rates, and
 * for its throttled phase the max_rates and the tick rate over the 12 catalogue symbols.
 */
import { defaultPhaseConfig, int, loadSettings, phaseSettings, variantsSetting } from '../config';
import type { PhaseConfig, Setting, VariantName } from '../config';

export const CAPACITY_VARIANTS: readonly VariantName[] = ['bare-ws off', 'bidtape off', 'socket.io'];
/** The throttled phase: the app against one timer per subscription (bench/naive-throttle-server.ts). */
export const THROTTLED_VARIANTS: readonly VariantName[] = ['bidtape off', 'naive throttle'];
export const COMMAND = 'npm run bench:capacity';

/**
 * `rates`: one load phase per offered tick rate, BTC-USD at every update. `throttled`: the 12
 * catalogue symbols at one tick rate, every client subscribed to all of them at each max_rate.
 */
export type CapacityPhase = 'rates' | 'throttled';

export interface CapacityConfig extends PhaseConfig {
  phase: CapacityPhase;
  /** Throttled phase: max_rate of every subscription (updates/s per symbol), one sub-phase each. */
  maxRates: number[];
  /** Throttled phase: offered ticks/s over all 12 symbols (each gets about a twelfth). */
  throttledTickRate: number;
  /** Offered ticks/s, in this order; each tick goes to every client. */
  rates: number[];
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
    help: 'rates (BTC-USD at every update, one phase per rate) or throttled (12 symbols at each max_rate) (rates)',
    parse: (raw, config) => {
      if (raw !== 'rates' && raw !== 'throttled') throw new Error(`phase must be rates or throttled, got "${raw}"`);
      config.phase = raw;
    },
  },
  { env: 'BENCH_RATES', flag: 'rates', help: 'comma list of offered ticks/s (10,100,400,2000)', parse: intList('rates') },
  { env: 'BENCH_MAX_RATES', flag: 'max-rates', help: 'throttled: comma list of max_rate, updates/s per symbol (1,10,100)', parse: intList('maxRates') },
  {
    env: 'BENCH_THROTTLED_TICK_RATE',
    flag: 'throttled-tick-rate',
    help: 'throttled: offered ticks/s over the 12 symbols (2400)',
    parse: int('throttledTickRate', 1),
  },
  {
    env: 'BENCH_DECODE_RATE',
    flag: 'decode-rate',
    help: 'update frames decoded for latency per client per second (10)',
    parse: int('decodeRate', 1),
  },
  variantsSetting<CapacityConfig>([...CAPACITY_VARIANTS, 'naive throttle'], 'rates: bare-ws-off,bidtape-off,socket.io; throttled: bidtape-off,naive-throttle'),
];

function intList(key: 'rates' | 'maxRates'): Setting<CapacityConfig>['parse'] {
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
    rates: [10, 100, 400, 2000],
    maxRates: [1, 10, 100],
    throttledTickRate: 2400,
    decodeRate: 10,
  };
  const config = loadSettings(CAPACITY_SETTINGS, defaults, env, argv, COMMAND);
  const allowed = config.phase === 'throttled' ? THROTTLED_VARIANTS : CAPACITY_VARIANTS;
  if (config.variants.length === 0) config.variants = [...allowed];
  const misplaced = config.variants.filter((v) => !allowed.includes(v));
  if (misplaced.length > 0) throw new Error(`the ${config.phase} phase runs ${allowed.join(', ')}; not ${misplaced.join(', ')}`);
  return config;
}

/** Decode every Nth tick per client at this offered rate. */
export function sampleEvery(rate: number, config: CapacityConfig): number {
  return Math.max(1, Math.round(rate / config.decodeRate));
}
