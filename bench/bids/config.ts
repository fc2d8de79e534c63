/**
 * Settings of the bidding bench. Every one comes from an environment variable (see `usage()`);
 * the defaults give the full run (about 2.5 minutes on 2 cores).
 */

export const SCENARIO_KEYS = ['hot-closed', 'spread-closed', 'hot-open', 'spread-open'] as const;
export type ScenarioKey = (typeof SCENARIO_KEYS)[number];
/**
 * `group`: group commit (BENCH_BATCH_MAX, the app's default batches in flight); `serial`: the
 * same with one batch in flight (BID_BATCHES_IN_FLIGHT=1, as before 2026-12-01; not run by
 * default); `one`: the baseline, one transaction per bid.
 */
export const VARIANT_KEYS = ['group', 'serial', 'one'] as const;
export type VariantKey = (typeof VARIANT_KEYS)[number];

export interface BidsBenchConfig {
  /** WebSocket connections per variant, each its own bidder handle. */
  bidders: number;
  /** Measured window of each scenario, seconds. */
  seconds: number;
  /** Total offered bids/s of the open-loop scenarios. */
  rate: number;
  /** Auctions of the spread scenarios. */
  auctions: number;
  /** Every scenario runs this many times per variant, interleaved; the median run is reported. */
  rounds: number;
  /** Untimed bidding on throwaway auctions after each app start (JIT, pools), seconds. */
  warmupSeconds: number;
  /** Seed of the bidders' auction picks and retry waits. */
  seed: number;
  /** BID_BATCH_MAX of the group-commit variant (the baseline always runs with 1). */
  batchMax: number;
  /** Scenarios to run, in this order. */
  scenarios: ScenarioKey[];
  /** Variants to run; without the baseline the ratio goals are not reported. */
  variants: VariantKey[];
  /** Give up on answers still missing this long after a window ended, seconds. */
  drainTimeoutSeconds: number;
  /** A window in which other processes used more CPU than this (% of one core) is run again. */
  maxBackgroundPercent: number;
  /** Extra attempts for such a disturbed window. */
  retries: number;
  /** Total time all extra attempts may take, seconds. */
  retryBudgetSeconds: number;
  /** Starting price of every auction, minor units (10.00 EUR: 0.50 increments up to 20.00). */
  startingPrice: number;
  /** Extra one-way delay between the apps and PostgreSQL, ms (0: direct); see bids/db-delay-proxy.ts. */
  dbDelayMs: number;
}

interface Setting {
  env: string;
  help: string;
  parse: (raw: string, config: BidsBenchConfig) => void;
}

function numberIn(name: string, raw: string, min: number, max: number, integer: boolean): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new Error(`${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

const SETTINGS: Setting[] = [
  { env: 'BENCH_BIDDERS', help: 'WebSocket connections (= bidders) per variant (200)', parse: (r, c) => (c.bidders = numberIn('BENCH_BIDDERS', r, 1, 5000, true)) },
  { env: 'BENCH_SECONDS', help: 'measured window per scenario, s (5)', parse: (r, c) => (c.seconds = numberIn('BENCH_SECONDS', r, 0.5, 600, false)) },
  { env: 'BENCH_RATE', help: 'open-loop offered bids/s, total over all bidders (1000)', parse: (r, c) => (c.rate = numberIn('BENCH_RATE', r, 1, 50_000, true)) },
  { env: 'BENCH_AUCTIONS', help: 'auctions of the spread scenarios (1000)', parse: (r, c) => (c.auctions = numberIn('BENCH_AUCTIONS', r, 1, 20_000, true)) },
  { env: 'BENCH_ROUNDS', help: 'runs of each scenario per variant, interleaved; median reported, the worse middle one of an even count (2)', parse: (r, c) => (c.rounds = numberIn('BENCH_ROUNDS', r, 1, 20, true)) },
  { env: 'BENCH_WARMUP_SECONDS', help: 'untimed warm-up after the app starts, s (1)', parse: (r, c) => (c.warmupSeconds = numberIn('BENCH_WARMUP_SECONDS', r, 0, 60, false)) },
  { env: 'BENCH_SEED', help: 'seed of auction picks and retry waits (42)', parse: (r, c) => (c.seed = numberIn('BENCH_SEED', r, 0, 2 ** 31 - 1, true)) },
  { env: 'BENCH_BATCH_MAX', help: 'BID_BATCH_MAX of the group-commit variant (500)', parse: (r, c) => (c.batchMax = numberIn('BENCH_BATCH_MAX', r, 2, 5000, true)) },
  {
    env: 'BENCH_SCENARIOS',
    help: `comma list of ${SCENARIO_KEYS.join(',')} (all)`,
    parse: (raw, config) => {
      config.scenarios = raw.split(',').map((s) => {
        const key = SCENARIO_KEYS.find((k) => k === s.trim());
        if (!key) throw new Error(`unknown scenario "${s}"; known: ${SCENARIO_KEYS.join(', ')}`);
        return key;
      });
    },
  },
  {
    env: 'BENCH_VARIANTS',
    help: `comma list of ${VARIANT_KEYS.join(',')} (group commit; the same, 1 batch in flight; one tx per bid) (group,one)`,
    parse: (raw, config) => {
      config.variants = raw.split(',').map((s) => {
        const key = VARIANT_KEYS.find((k) => k === s.trim());
        if (!key) throw new Error(`unknown variant "${s}"; known: ${VARIANT_KEYS.join(', ')}`);
        return key;
      });
    },
  },
  { env: 'BENCH_MAX_BACKGROUND', help: 'rerun a window if other processes used more CPU, % of a core (25)', parse: (r, c) => (c.maxBackgroundPercent = numberIn('BENCH_MAX_BACKGROUND', r, 0, 10_000, false)) },
  { env: 'BENCH_RETRIES', help: 'extra attempts for a disturbed window, after waiting (up to 10 s) for a quiet machine (2)', parse: (r, c) => (c.retries = numberIn('BENCH_RETRIES', r, 0, 10, true)) },
  { env: 'BENCH_RETRY_BUDGET_SECONDS', help: 'total time for extra attempts and their waits, s (45)', parse: (r, c) => (c.retryBudgetSeconds = numberIn('BENCH_RETRY_BUDGET_SECONDS', r, 0, 3600, false)) },
  {
    env: 'BENCH_DB_DELAY_MS',
    help: 'apps reach PostgreSQL through a relay holding each chunk this long each way, ms: a database on another host (0)',
    parse: (r, c) => (c.dbDelayMs = numberIn('BENCH_DB_DELAY_MS', r, 0, 100, false)),
  },
  { env: 'BENCH_DRAIN_TIMEOUT_SECONDS', help: 'wait this long for answers after a window, s (120)', parse: (r, c) => (c.drainTimeoutSeconds = numberIn('BENCH_DRAIN_TIMEOUT_SECONDS', r, 1, 600, false)) },
];

export function defaultConfig(): BidsBenchConfig {
  return {
    bidders: 200,
    seconds: 5,
    rate: 1000,
    auctions: 1000,
    rounds: 2,
    warmupSeconds: 1,
    seed: 42,
    batchMax: 500,
    scenarios: [...SCENARIO_KEYS],
    variants: ['group', 'one'],
    drainTimeoutSeconds: 120,
    maxBackgroundPercent: 25,
    retries: 2,
    retryBudgetSeconds: 45,
    startingPrice: 1000,
    dbDelayMs: 0,
  };
}

export function usage(): string {
  return [
    'Usage: npm run bench:bids   (settings are environment variables)',
    ...SETTINGS.map((s) => `  ${s.env.padEnd(28)} ${s.help}`),
  ].join('\n');
}

export function loadConfig(env: NodeJS.ProcessEnv): BidsBenchConfig {
  const config = defaultConfig();
  for (const setting of SETTINGS) {
    const raw = env[setting.env];
    if (raw !== undefined && raw !== '') setting.parse(raw, config);
  }
  return config;
}
