/**
 * Seeded market price simulator: one quote per call, reproducible from the seed.
 *
 * Each instrument's mid moves by geometric Brownian motion plus compound-Poisson jumps, with a
 * calm/burst volatility regime. Floats live only in the log-mid; every published price and size
 * is a safe integer on the instrument's grid.
 */

import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

type PureRandGenerator = ReturnType<typeof xoroshiro128plus>;

export interface SimulatedInstrument {
  symbol: string;
  /** Decimal places of prices (descriptive; the model works in minor units). */
  priceScale: number;
  /** Smallest price increment, integer minor units (>= 1). */
  tickSize: number;
  /** Decimal places of sizes (descriptive; the model works in size units). */
  sizeScale: number;
  /** Smallest size increment, integer size units (>= 1). */
  lotSize: number;
  profile: PriceProfile;
}

export interface PriceProfile {
  /** Starting mid, integer minor units. */
  referencePrice: number;
  /** Annualised volatility in the calm regime, e.g. 0.6 for 60 %/year. */
  annualVolatility: number;
  /** Poisson intensity of price jumps, per simulated year. */
  jumpsPerYear: number;
  /** Standard deviation of the log size of one jump, e.g. 0.01. */
  jumpStdLog: number;
  /** Typical full spread in basis points of mid in the calm regime (never less than one tick). */
  spreadBps: number;
  /** Typical quoted size at each side, in lots. */
  typicalLots: number;
}

/** Prices are minor units on the tick grid with tickSize <= bid < ask and bid <= last <= ask; sizes are whole lots. */
export interface SimulatedQuote {
  symbol: string;
  bidPrice: number;
  askPrice: number;
  lastPrice: number;
  bidSize: number;
  askSize: number;
}

/** Two-state (calm/burst) Markov regime, stepped once per tick of an instrument. */
export interface BurstRegime {
  /** Probability per tick that a calm instrument enters a burst. */
  enterProbability: number;
  /** Probability per tick that a bursting instrument calms down. */
  exitProbability: number;
  /** Volatility multiplier while bursting. */
  volatilityMultiplier: number;
  /** Spread multiplier while bursting. */
  spreadMultiplier: number;
}

export interface PriceModelOptions {
  /** Unsigned 32-bit integer. Same seed and options give exactly the same quotes. */
  seed: number;
  instruments: SimulatedInstrument[];
  /** Total tick rate across all instruments; one `next()` call is 1/ticksPerSecond real seconds. */
  ticksPerSecond: number;
  /** Simulated seconds per real second. */
  timeAcceleration: number;
  /** Overrides of DEFAULT_BURST_REGIME; `{ enterProbability: 0 }` turns bursts off. */
  burst?: Partial<BurstRegime>;
}

// A burst every ~500 ticks of an instrument, lasting ~50 ticks: about 9 % of the time.
export const DEFAULT_BURST_REGIME: Readonly<BurstRegime> = {
  enterProbability: 0.002,
  exitProbability: 0.02,
  volatilityMultiplier: 4,
  spreadMultiplier: 3,
};

// Simulated markets never close, so volatility is per calendar year.
const SECONDS_PER_YEAR = 365.25 * 24 * 60 * 60;
// Headroom below MAX_SAFE_INTEGER (2^53) for the spread added above the mid.
const MAX_MID = 2 ** 48;
// Sizes: lognormal around typicalLots, thinner in bursts, capped so they stay safe integers.
const SIZE_LOG_STD = 0.5;
const MAX_SIZE_FACTOR = 10;
const BURST_LIQUIDITY = 0.5;
// Spread jitter so consecutive quotes are not identical: factor in [0.75, 1.25).
const SPREAD_JITTER = 0.5;
// Above this Poisson mean, Knuth's product method is slow and exp(-λ) loses precision.
const POISSON_NORMAL_APPROX_ABOVE = 30;

interface InstrumentState {
  readonly instrument: SimulatedInstrument;
  readonly minLogMid: number;
  readonly maxLots: number;
  logMid: number;
  lastTickIndex: number;
  bursting: boolean;
}

/**
 * Produces quotes for a fixed set of instruments.
 *
 * Each call picks an instrument uniformly at random, so each instrument ticks at
 * ticksPerSecond / instruments.length on average. Simulated time advances by
 * timeAcceleration / ticksPerSecond seconds per call, whichever instrument ticks; an
 * instrument's move covers all simulated time since it last ticked, so its realised
 * volatility does not depend on how often it is picked.
 */
export class PriceModel {
  private readonly random: SeededRandom;
  private readonly states: InstrumentState[];
  private readonly burst: BurstRegime;
  private readonly yearsPerTick: number;
  private tickIndex = 0;

  constructor(options: PriceModelOptions) {
    validateOptions(options);
    this.random = new SeededRandom(options.seed);
    this.burst = Object.assign({}, DEFAULT_BURST_REGIME, options.burst);
    validateBurst(this.burst);
    this.yearsPerTick = options.timeAcceleration / options.ticksPerSecond / SECONDS_PER_YEAR;
    this.states = options.instruments.map((instrument) => ({
      instrument,
      minLogMid: Math.log(instrument.tickSize),
      maxLots: Math.max(1, Math.round(instrument.profile.typicalLots * MAX_SIZE_FACTOR)),
      logMid: Math.log(instrument.profile.referencePrice),
      lastTickIndex: 0,
      bursting: false,
    }));
  }

  next(): SimulatedQuote {
    this.tickIndex += 1;
    const state = this.states[this.random.int(0, this.states.length - 1)];
    const dt = (this.tickIndex - state.lastTickIndex) * this.yearsPerTick;
    state.lastTickIndex = this.tickIndex;

    this.stepRegime(state);
    this.move(state, dt);
    return this.quote(state);
  }

  private stepRegime(state: InstrumentState): void {
    const switchProbability = state.bursting ? this.burst.exitProbability : this.burst.enterProbability;
    if (this.random.float() < switchProbability) state.bursting = !state.bursting;
  }

  private move(state: InstrumentState, dt: number): void {
    const { profile } = state.instrument;
    const sigma = profile.annualVolatility * (state.bursting ? this.burst.volatilityMultiplier : 1);
    // The -σ²/2 terms keep the expected price flat (no drift from the log transform).
    let logReturn = -0.5 * sigma * sigma * dt + sigma * Math.sqrt(dt) * this.random.normal();

    const jumps = this.random.poisson(profile.jumpsPerYear * dt);
    if (jumps > 0) {
      // The sum of n independent N(m, s²) jumps is N(n·m, n·s²): one draw covers them all.
      const s = profile.jumpStdLog;
      logReturn += jumps * -0.5 * s * s + s * Math.sqrt(jumps) * this.random.normal();
    }

    // Clamp rather than reflect: the floor keeps prices >= one tick, the ceiling keeps them safe.
    state.logMid = Math.min(Math.log(MAX_MID), Math.max(state.minLogMid, state.logMid + logReturn));
  }

  private quote(state: InstrumentState): SimulatedQuote {
    const { symbol, tickSize, lotSize, profile } = state.instrument;
    const mid = Math.exp(state.logMid);
    const spreadFactor =
      (profile.spreadBps / 10_000) *
      (state.bursting ? this.burst.spreadMultiplier : 1) *
      (1 - SPREAD_JITTER / 2 + SPREAD_JITTER * this.random.float());
    // Capping the half spread at the mid keeps the ask below 2 * MAX_MID + tick.
    const halfSpread = Math.min(mid, (mid * spreadFactor) / 2);

    const bidPrice = Math.max(tickSize, Math.floor((mid - halfSpread) / tickSize) * tickSize);
    const askPrice = Math.max(bidPrice + tickSize, Math.ceil((mid + halfSpread) / tickSize) * tickSize);
    const lastPrice = bidPrice + tickSize * this.random.int(0, (askPrice - bidPrice) / tickSize);

    return {
      symbol,
      bidPrice,
      askPrice,
      lastPrice,
      bidSize: this.lots(state) * lotSize,
      askSize: this.lots(state) * lotSize,
    };
  }

  private lots(state: InstrumentState): number {
    const typical = state.instrument.profile.typicalLots * (state.bursting ? BURST_LIQUIDITY : 1);
    // Mean-one lognormal factor, so the average size stays near `typical`.
    const factor = Math.exp(SIZE_LOG_STD * this.random.normal() - (SIZE_LOG_STD * SIZE_LOG_STD) / 2);
    return Math.min(state.maxLots, Math.max(1, Math.round(typical * factor)));
  }
}

/** Uniform, normal and Poisson variates from one pure-rand stream. */
class SeededRandom {
  private readonly rng: PureRandGenerator;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    this.rng = xoroshiro128plus(seed);
  }

  /** Uniform in [0, 1). */
  float(): number {
    return uniformFloat64(this.rng);
  }

  /** Uniform integer in [from, to], both included. */
  int(from: number, to: number): number {
    return uniformInt(this.rng, from, to);
  }

  /** Standard normal by Box–Muller; each pair of uniforms gives two variates. */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return spare;
    }
    const u1 = 1 - this.float(); // (0, 1], so the log is finite
    const u2 = this.float();
    const radius = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = radius * Math.sin(2 * Math.PI * u2);
    return radius * Math.cos(2 * Math.PI * u2);
  }

  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > POISSON_NORMAL_APPROX_ABOVE) {
      return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    }
    // Knuth: count uniforms until their product drops below e^-mean.
    const limit = Math.exp(-mean);
    let count = 0;
    let product = this.float();
    while (product > limit) {
      count += 1;
      product *= this.float();
    }
    return count;
  }
}

interface Rule {
  expected: string;
  test: (x: number) => boolean;
}
const PRICE: Rule = { expected: 'an integer in 1..2^48', test: (x) => Number.isInteger(x) && x >= 1 && x <= MAX_MID };
const LOT: Rule = { expected: 'a safe integer >= 1', test: (x) => Number.isSafeInteger(x) && x >= 1 };
const POSITIVE: Rule = { expected: 'a finite number > 0', test: (x) => Number.isFinite(x) && x > 0 };
const NON_NEGATIVE: Rule = { expected: 'a finite number >= 0', test: (x) => Number.isFinite(x) && x >= 0 };
const PROBABILITY: Rule = { expected: 'a probability in 0..1', test: (x) => x >= 0 && x <= 1 };
const MULTIPLIER: Rule = { expected: 'a finite number >= 1', test: (x) => Number.isFinite(x) && x >= 1 };
const SEED: Rule = { expected: 'an integer in 0..2^32-1', test: (x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32 };

function check(name: string, value: number, rule: Rule): void {
  if (!rule.test(value)) throw new RangeError(`${name} must be ${rule.expected} (got ${value})`);
}

function validateOptions(options: PriceModelOptions): void {
  check('seed', options.seed, SEED);
  check('ticksPerSecond', options.ticksPerSecond, POSITIVE);
  check('timeAcceleration', options.timeAcceleration, POSITIVE);
  check('instruments.length', options.instruments.length, { expected: 'at least 1', test: (n) => n >= 1 });

  const symbols = new Set<string>();
  options.instruments.forEach(({ symbol, tickSize, lotSize, profile }, i) => {
    if (symbols.has(symbol)) throw new RangeError(`instruments[${i}].symbol must be unique (got ${symbol} twice)`);
    symbols.add(symbol);
    check(`instruments[${i}].tickSize`, tickSize, PRICE);
    check(`instruments[${i}].lotSize`, lotSize, LOT);

    const at = `instruments[${i}].profile`;
    check(`${at}.referencePrice`, profile.referencePrice, PRICE);
    for (const key of ['annualVolatility', 'jumpsPerYear', 'jumpStdLog', 'spreadBps'] as const) {
      check(`${at}.${key}`, profile[key], NON_NEGATIVE);
    }
    check(`${at}.typicalLots`, profile.typicalLots, POSITIVE);
    const maxSize = Math.max(1, Math.round(profile.typicalLots * MAX_SIZE_FACTOR)) * lotSize;
    check(`${at}.typicalLots`, profile.typicalLots, {
      expected: `small enough that ${MAX_SIZE_FACTOR} * typicalLots * lotSize is a safe integer`,
      test: () => Number.isSafeInteger(maxSize),
    });
  });
}

function validateBurst(burst: BurstRegime): void {
  check('burst.enterProbability', burst.enterProbability, PROBABILITY);
  check('burst.exitProbability', burst.exitProbability, PROBABILITY);
  check('burst.volatilityMultiplier', burst.volatilityMultiplier, MULTIPLIER);
  check('burst.spreadMultiplier', burst.spreadMultiplier, MULTIPLIER);
}
