/**
 * Settings of the capacity bench, in the style of the fan-out bench's (bench/config.ts):
 * the same BENCH_* variables and flags for what the phases share, plus the offered rates.
 */
import { defaultPhaseConfig, int, loadSettings, phaseSettings, variantsSetting } from '../config';
import type { PhaseConfig, Setting, VariantName } from '../config';

export const CAPACITY_VARIANTS: readonly VariantName[] = ['bare-ws off', 'bidtape off', 'socket.io'];
export const COMMAND = 'npm run bench:capacity';

export interface CapacityConfig extends PhaseConfig {
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
    env: 'BENCH_RATES',
    flag: 'rates',
    help: 'comma list of offered ticks/s (10,100,400,2000)',
    parse: (raw, config) => {
      config.rates = raw.split(',').map((part) => {
        const rate = Number(part.trim());
        if (!Number.isInteger(rate) || rate < 1) throw new Error(`rates must be integers >= 1, got "${raw}"`);
        return rate;
      });
    },
  },
  { env: 'BENCH_DECODE_RATE', flag: 'decode-rate', help: 'ticks decoded for latency per client per second (10)', parse: int('decodeRate', 1) },
  variantsSetting<CapacityConfig>(CAPACITY_VARIANTS, 'all'),
];

export function loadCapacityConfig(env: NodeJS.ProcessEnv, argv: string[]): CapacityConfig {
  const defaults: CapacityConfig = { ...defaultPhaseConfig(CAPACITY_VARIANTS), rates: [10, 100, 400, 2000], decodeRate: 10 };
  return loadSettings(CAPACITY_SETTINGS, defaults, env, argv, COMMAND);
}

/** Decode every Nth tick per client at this offered rate. */
export function sampleEvery(rate: number, config: CapacityConfig): number {
  return Math.max(1, Math.round(rate / config.decodeRate));
}
