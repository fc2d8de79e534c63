import os from 'node:os';

/**
 * Bench settings: every one can be set by an environment variable or the matching
 * `--flag=value` (flags win). Defaults give the full run (~2–3 minutes on 2 cores).
 */
/** The fan-out bench's variants. */
export const VARIANT_NAMES = ['bare-ws off', 'bare-ws on', 'bidtape off', 'bidtape on'] as const;
/**
 * Every server the phases can run: the capacity bench adds Socket.IO as a peer, for its
 * throttled and mix phases the naive throttling baseline (bench/naive-throttle-server.ts), for
 * its deflate phase the bare batch loop (bench/bare-batch-server.ts), for its json phase
 * bidtape and the bare loop speaking bidtape.v1.json, and for its slow phase the app with its
 * own slow-consumer limits (`bidtape policy`).
 */
export const ALL_VARIANT_NAMES = [
  ...VARIANT_NAMES,
  'socket.io',
  'naive throttle',
  'bare batch off',
  'bare batch on',
  'bidtape json',
  'bare-ws json',
  'bidtape policy',
] as const;
export type VariantName = (typeof ALL_VARIANT_NAMES)[number];
/**
 * Order of the throughput rounds: each goal pair (bidtape off vs bare-ws off, bidtape on
 * vs bidtape off) runs back to back, so a per-round ratio compares neighbours in time.
 */
export const ROUND_ORDER: readonly VariantName[] = ['bare-ws off', 'bidtape off', 'bidtape on', 'bare-ws on'];

/** What the phases (phases.ts) read, whichever bench runs them. */
export interface PhaseConfig {
  /** WebSocket clients per phase. */
  clients: number;
  /** Measured window of the latency and throughput phases, seconds. */
  seconds: number;
  /** Time between "all clients subscribed" and the start of the measured window, seconds. */
  warmupSeconds: number;
  /** Seconds to let the server settle before and after connecting, memory phase. */
  settleSeconds: number;
  /** Simulator seed, shared by every server variant. */
  seed: number;
  /** Variants to run, in this order. */
  variants: VariantName[];
  /** Handshakes in flight at once while connecting. */
  connectConcurrency: number;
  /** Give up waiting for clients to subscribe after this long, seconds. */
  connectTimeoutSeconds: number;
  /** A window during which other processes used more CPU than this (% of one core) is run again. */
  maxBackgroundPercent: number;
  /** Extra attempts for a disturbed window. */
  retries: number;
  /** Total time the whole run may spend on such extra attempts, seconds. */
  retryBudgetSeconds: number;
  /** Deflate window bits (server_max_window_bits) of the `on` variants. */
  windowBits: number;
  /** CPU lists the server and the client harness are pinned to (taskset); undefined: not pinned. */
  pin?: { server: string; client: string };
}

/** The fan-out bench: the phases' settings, plus its throughput rounds and latency phase. */
export interface BenchConfig extends PhaseConfig {
  /** Throughput-phase repetitions, interleaved across variants; the median counts. */
  rounds: number;
  /** Offered ticks/s in the throughput phase (each tick goes to every client). */
  throughputRate: number;
  /** Offered ticks/s in the latency phase. */
  latencyRate: number;
  /** Decode (and time) every Nth tick per client in the throughput phase. */
  sampleEvery: number;
  /** Decode (and time) every Nth tick per client in the latency phase. */
  latencySampleEvery: number;
}

export interface Setting<C> {
  env: string;
  flag: string;
  help: string;
  parse: (raw: string, config: C) => void;
}

const assign = <C>(config: C, key: keyof C, value: unknown) => {
  (config as Record<keyof C, unknown>)[key] = value;
};

export const int =
  <C>(key: keyof C & string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  (raw: string, config: C) => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`${key} must be an integer from ${min} to ${max}, got "${raw}"`);
    }
    assign(config, key, value);
  };

export const num =
  <C>(key: keyof C & string, min: number) =>
  (raw: string, config: C) => {
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) throw new Error(`${key} must be a number >= ${min}, got "${raw}"`);
    assign(config, key, value);
  };

/** A variant as `--variants` takes it: `-` for each space (`bare-batch-on`). */
export const variantFlag = (variant: VariantName) => variant.replace(/ /g, '-');

/** `--variants=bare-ws-off,socket.io`: a name with `-` for its spaces, or as printed. */
export function variantsSetting<C extends PhaseConfig>(names: readonly VariantName[], byDefault: string, help = `comma list of ${names.map(variantFlag).join(',')}`): Setting<C> {
  return {
    env: 'BENCH_VARIANTS',
    flag: 'variants',
    help: `${help} (${byDefault})`,
    parse: (raw, config) => {
      config.variants = raw.split(',').map((v) => {
        const name = names.find((n) => variantFlag(n) === v.trim() || n === v.trim());
        if (!name) throw new Error(`unknown variant "${v}"; known: ${names.join(', ')}`);
        return name;
      });
    },
  };
}

/** Settings every bench running the phases has: clients, window, seed, connecting, retries, pinning. */
export function phaseSettings<C extends PhaseConfig>(): Setting<C>[] {
  return [
    { env: 'BENCH_CLIENTS', flag: 'clients', help: 'clients per phase (1000)', parse: int('clients', 1) },
    { env: 'BENCH_SECONDS', flag: 'seconds', help: 'measured window per phase, s (3)', parse: num('seconds', 0.5) },
    { env: 'BENCH_WARMUP_SECONDS', flag: 'warmup', help: 'warm-up before each window, s (1)', parse: num('warmupSeconds', 0) },
    { env: 'BENCH_SEED', flag: 'seed', help: 'simulator seed (42)', parse: int('seed', 0) },
    { env: 'BENCH_CONNECT_CONCURRENCY', flag: 'connect-concurrency', help: 'handshakes in flight (50)', parse: int('connectConcurrency', 1) },
    { env: 'BENCH_CONNECT_TIMEOUT_SECONDS', flag: 'connect-timeout', help: 'give up connecting after, s (60)', parse: num('connectTimeoutSeconds', 1) },
    { env: 'BENCH_MAX_BACKGROUND', flag: 'max-background', help: 'rerun a window if other processes used more CPU, % of a core (15)', parse: num('maxBackgroundPercent', 0) },
    { env: 'BENCH_RETRIES', flag: 'retries', help: 'extra attempts for a disturbed window (2)', parse: int('retries', 0) },
    { env: 'BENCH_RETRY_BUDGET_SECONDS', flag: 'retry-budget', help: 'total time for extra attempts per run, s (60)', parse: num('retryBudgetSeconds', 0) },
    { env: 'BENCH_WINDOW_BITS', flag: 'window-bits', help: 'deflate window bits of the on variants (10)', parse: int<C>('windowBits', 9, 15) },
    {
      env: 'BENCH_PIN',
      flag: 'pin',
      help: 'pin server/client to CPU lists with taskset, or "off" (0/1)',
      parse: (raw, config) => {
        if (raw === 'off') {
          config.pin = undefined;
          return;
        }
        const [server, client] = raw.split('/');
        if (!server || !client) throw new Error(`pin must look like 0/1 or off, got "${raw}"`);
        config.pin = { server, client };
      },
    },
  ];
}

export const SETTINGS: Setting<BenchConfig>[] = [
  ...phaseSettings<BenchConfig>(),
  { env: 'BENCH_ROUNDS', flag: 'rounds', help: 'throughput rounds per variant, interleaved; median reported (4)', parse: int('rounds', 1) },
  { env: 'BENCH_THROUGHPUT_RATE', flag: 'throughput-rate', help: 'offered ticks/s, throughput phase (400)', parse: int('throughputRate', 1) },
  { env: 'BENCH_LATENCY_RATE', flag: 'latency-rate', help: 'offered ticks/s, latency phase (10)', parse: int('latencyRate', 1) },
  { env: 'BENCH_SAMPLE_EVERY', flag: 'sample-every', help: 'decode every Nth tick per client, throughput phase (20)', parse: int('sampleEvery', 1) },
  { env: 'BENCH_LATENCY_SAMPLE_EVERY', flag: 'latency-sample-every', help: 'same, latency phase (1: all)', parse: int('latencySampleEvery', 1) },
  { env: 'BENCH_SETTLE_SECONDS', flag: 'settle', help: 'settle time around the RSS readings, s (1.5)', parse: num('settleSeconds', 0) },
  variantsSetting<BenchConfig>(VARIANT_NAMES, 'all'),
];

/** Defaults of the phases' settings. */
export function defaultPhaseConfig(variants: readonly VariantName[]): PhaseConfig {
  return {
    clients: 1000,
    seconds: 3,
    warmupSeconds: 1,
    settleSeconds: 1.5,
    seed: 42,
    variants: [...variants],
    connectConcurrency: 50,
    connectTimeoutSeconds: 60,
    maxBackgroundPercent: 15,
    retries: 2,
    retryBudgetSeconds: 60,
    windowBits: 10,
    // Server on one core, clients on the other: less scheduler noise between runs.
    pin: os.cpus().length >= 2 ? { server: '0', client: '1' } : undefined,
  };
}

export function defaultConfig(): BenchConfig {
  return {
    ...defaultPhaseConfig(VARIANT_NAMES),
    rounds: 4,
    throughputRate: 400,
    latencyRate: 10,
    sampleEvery: 20,
    latencySampleEvery: 1,
  };
}

export function usage(settings: readonly Pick<Setting<unknown>, 'env' | 'flag' | 'help'>[] = SETTINGS, command = 'npm run bench'): string {
  const lines = settings.map((s) => `  --${s.flag.padEnd(22)} ${s.env.padEnd(30)} ${s.help}`);
  return [`Usage: ${command} -- [--flag=value ...]   (or the environment variables)`, ...lines].join('\n');
}

/** `config` (the defaults), then environment variables, then `--flag=value` arguments. */
export function loadSettings<C>(settings: Setting<C>[], config: C, env: NodeJS.ProcessEnv, argv: string[], command: string): C {
  for (const setting of settings) {
    const raw = env[setting.env];
    if (raw !== undefined && raw !== '') setting.parse(raw, config);
  }
  for (const arg of argv) {
    const match = /^--([a-z-]+)=(.*)$/.exec(arg);
    const setting = match && settings.find((s) => s.flag === match[1]);
    if (!match || !setting) throw new Error(`unknown argument "${arg}"\n${usage(settings, command)}`);
    setting.parse(match[2], config);
  }
  return config;
}

export function loadBenchConfig(env: NodeJS.ProcessEnv, argv: string[]): BenchConfig {
  return loadSettings(SETTINGS, defaultConfig(), env, argv, 'npm run bench');
}
