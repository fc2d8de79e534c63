import fc from 'fast-check';
import type { BurstRegime, PriceModelOptions, PriceProfile, SimulatedInstrument, SimulatedQuote } from './price-model';
import { PriceModel } from './price-model';
import { DEFAULT_PRICE_PROFILES, FALLBACK_PRICE_PROFILE } from './price-profiles';

const SECONDS_PER_YEAR = 365.25 * 24 * 3600;
const NO_BURSTS: Partial<BurstRegime> = { enterProbability: 0 };

// A price far above its tick, so rounding to the grid is negligible next to one tick's move.
const QUIET: PriceProfile = {
  referencePrice: 10_000_000_000,
  annualVolatility: 0.2,
  jumpsPerYear: 0,
  jumpStdLog: 0,
  spreadBps: 0,
  typicalLots: 10,
};

function instrument(
  symbol: string,
  profile: Partial<PriceProfile> = {},
  tickSize = 1,
  lotSize = 1,
): SimulatedInstrument {
  return { symbol, priceScale: 2, tickSize, sizeScale: 0, lotSize, profile: { ...QUIET, ...profile } };
}

function options(instruments: SimulatedInstrument[], overrides: Partial<PriceModelOptions> = {}): PriceModelOptions {
  return { seed: 7, instruments, ticksPerSecond: 10, timeAcceleration: 3600, ...overrides };
}

function run(opts: PriceModelOptions, ticks: number): SimulatedQuote[] {
  const model = new PriceModel(opts);
  return Array.from({ length: ticks }, () => model.next());
}

function yearsPerTick(opts: PriceModelOptions): number {
  return opts.timeAcceleration / opts.ticksPerSecond / SECONDS_PER_YEAR;
}

/** Log returns of the quoted mid, tick to tick, per symbol. */
function logReturns(quotes: SimulatedQuote[]): Map<string, number[]> {
  const previous = new Map<string, number>();
  const returns = new Map<string, number[]>();
  for (const q of quotes) {
    const logMid = Math.log((q.bidPrice + q.askPrice) / 2);
    const before = previous.get(q.symbol);
    if (before !== undefined) {
      const list = returns.get(q.symbol) ?? [];
      list.push(logMid - before);
      returns.set(q.symbol, list);
    }
    previous.set(q.symbol, logMid);
  }
  return returns;
}

function problems(q: SimulatedQuote, inst: SimulatedInstrument): string[] {
  const found: string[] = [];
  const values = [q.bidPrice, q.askPrice, q.lastPrice, q.bidSize, q.askSize];
  if (!values.every(Number.isSafeInteger)) found.push('not safe integers');
  if ([q.bidPrice, q.askPrice, q.lastPrice].some((p) => p % inst.tickSize !== 0)) found.push('off the tick grid');
  if (q.bidPrice < inst.tickSize) found.push('bid below one tick');
  if (!(q.bidPrice < q.askPrice)) found.push('crossed or locked');
  if (!(q.bidPrice <= q.lastPrice && q.lastPrice <= q.askPrice)) found.push('last outside bid..ask');
  if ([q.bidSize, q.askSize].some((s) => s <= 0 || s % inst.lotSize !== 0)) found.push('size not in positive lots');
  return found.map((p) => `${q.symbol} ${p}: ${JSON.stringify(q)}`);
}

function allProblems(quotes: SimulatedQuote[], instruments: SimulatedInstrument[]): string[] {
  const bySymbol = new Map(instruments.map((i) => [i.symbol, i]));
  return quotes.flatMap((q) => problems(q, bySymbol.get(q.symbol)!));
}

// Catalogue-like grids: [symbol, priceScale, tickSize, sizeScale, lotSize].
const CATALOGUE: [string, number, number, number, number][] = [
  ['BTC-USD', 2, 1, 8, 100_000],
  ['ETH-USD', 2, 1, 8, 1_000_000],
  ['SOL-USD', 2, 1, 6, 10_000],
  ['AAPL', 2, 1, 0, 1],
  ['MSFT', 2, 1, 0, 1],
  ['NVDA', 2, 1, 0, 1],
  ['TSLA', 2, 1, 0, 1],
  ['AMZN', 2, 1, 0, 1],
  ['EUR-USD', 5, 1, 0, 1_000],
  ['GBP-USD', 5, 1, 0, 1_000],
  ['USD-JPY', 3, 1, 0, 1_000],
  ['XAU-USD', 2, 10, 2, 1],
];
const catalogue: SimulatedInstrument[] = CATALOGUE.map(([symbol, priceScale, tickSize, sizeScale, lotSize]) => ({
  symbol,
  priceScale,
  tickSize,
  sizeScale,
  lotSize,
  profile: DEFAULT_PRICE_PROFILES[symbol],
}));

describe(PriceModel.name, () => {
  describe('reproducibility', () => {
    it('gives the same 10,000 quotes for the same seed', () => {
      const opts = options(catalogue, { seed: 12345, ticksPerSecond: 200, timeAcceleration: 60 });
      expect(run(opts, 10_000)).toEqual(run(opts, 10_000));
    });

    it('gives different quotes for a different seed', () => {
      const a = run(options(catalogue, { seed: 1 }), 100);
      const b = run(options(catalogue, { seed: 2 }), 100);
      expect(a).not.toEqual(b);
    });
  });

  describe('invariants', () => {
    it.each([
      ['the catalogue, lively', catalogue, 3600],
      ['the catalogue, real time', catalogue, 1],
      ['a price below its tick', [instrument('LOW', { referencePrice: 5, annualVolatility: 2 }, 100)], 3600],
      ['a price at one tick', [instrument('ONE', { referencePrice: 1, annualVolatility: 3, spreadBps: 0 })], 3600],
      ['a coarse grid', [instrument('GRID', { referencePrice: 1_000_000, spreadBps: 50 }, 250, 25)], 3600],
      ['a price crashing to one tick', [instrument('DOWN', { jumpsPerYear: 1e5, jumpStdLog: 2 })], 3600],
      ['the price ceiling', [instrument('UP', { referencePrice: 2 ** 48, annualVolatility: 5, spreadBps: 1e4 })], 3600],
    ])('hold for %s', (_name, instruments, timeAcceleration) => {
      const quotes = run(options(instruments, { timeAcceleration, burst: { enterProbability: 0.05 } }), 5_000);
      expect(allProblems(quotes, instruments)).toEqual([]);
    });

    it('hold for any seed and any valid instrument spec', () => {
      const profileArb = fc.record({
        referencePrice: fc.integer({ min: 1, max: 2 ** 48 }),
        annualVolatility: fc.double({ min: 0, max: 3, noNaN: true }),
        jumpsPerYear: fc.double({ min: 0, max: 10_000, noNaN: true }),
        jumpStdLog: fc.double({ min: 0, max: 0.5, noNaN: true }),
        spreadBps: fc.double({ min: 0, max: 1_000, noNaN: true }),
        typicalLots: fc.double({ min: 0.01, max: 10_000, noNaN: true }),
      });
      const instrumentArb = fc.record({
        tickSize: fc.integer({ min: 1, max: 10_000 }),
        lotSize: fc.integer({ min: 1, max: 1_000_000 }),
        profile: profileArb,
      });
      const optionsArb = fc.record({
        seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        specs: fc.array(instrumentArb, { minLength: 1, maxLength: 4 }),
        ticksPerSecond: fc.integer({ min: 1, max: 100_000 }),
        timeAcceleration: fc.integer({ min: 1, max: 100_000 }),
      });

      fc.assert(
        fc.property(optionsArb, ({ seed, specs, ticksPerSecond, timeAcceleration }) => {
          const instruments = specs.map((s, i) => ({ symbol: `S${i}`, priceScale: 2, sizeScale: 0, ...s }));
          const quotes = run({ seed, instruments, ticksPerSecond, timeAcceleration }, 500);
          expect(allProblems(quotes, instruments)).toEqual([]);
        }),
      );
    });
  });

  it('ticks every instrument about equally often', () => {
    const quotes = run(options(catalogue), 12_000);
    const counts = new Map<string, number>();
    for (const q of quotes) counts.set(q.symbol, (counts.get(q.symbol) ?? 0) + 1);

    expect([...counts.keys()].sort()).toEqual(catalogue.map((i) => i.symbol).sort());
    for (const count of counts.values()) expect(count).toBeGreaterThan(800); // 12,000 / 12 = 1,000 expected
  });

  describe('volatility', () => {
    it.each([
      [0.1, 1],
      [0.5, 3],
      [1, 10],
    ])('realises an annual volatility of %s over simulated time with %s instruments', (vol, count) => {
      // Instruments share the clock: each move spans all steps since the instrument last ticked.
      const instruments = Array.from({ length: count }, (_, i) => instrument(`S${i}`, { annualVolatility: vol }));
      const opts = options(instruments, { burst: NO_BURSTS });
      const ticks = 15_000;
      const returns = logReturns(run(opts, ticks)).get('S0')!;

      const variance = returns.reduce((sum, r) => sum + r * r, 0);
      const realised = Math.sqrt(variance / (ticks * yearsPerTick(opts)));
      expect(realised / vol).toBeGreaterThan(0.9);
      expect(realised / vol).toBeLessThan(1.1);
    });

    it('moves one tick of a single instrument by σ·√dt', () => {
      // 3600 simulated s per real s at 10 ticks/s: dt = 360 s = 1.14e-5 years; 0.5 * √dt = 1.69e-3.
      const opts = options([instrument('A', { annualVolatility: 0.5 })], { burst: NO_BURSTS });
      const returns = logReturns(run(opts, 10_000)).get('A')!;

      const std = Math.sqrt(returns.reduce((sum, r) => sum + r * r, 0) / returns.length);
      const expected = 0.5 * Math.sqrt(yearsPerTick(opts));
      expect(std / expected).toBeGreaterThan(0.95);
      expect(std / expected).toBeLessThan(1.05);
    });
  });

  describe('jumps and bursts', () => {
    const calmStd = 0.2 * Math.sqrt(yearsPerTick(options([])));

    it.each([
      // [case, jumpsPerYear, burst, large moves expected, wide spreads expected]
      ['neither', 0, NO_BURSTS, false, false],
      ['jumps only', 1_000, NO_BURSTS, true, false],
      ['bursts only', 0, { enterProbability: 0.01, exitProbability: 0.05 }, true, true],
    ])('with %s', (_name, jumpsPerYear, burst, largeMoves, wideSpreads) => {
      const opts = options([instrument('A', { jumpsPerYear, jumpStdLog: 0.05, spreadBps: 10 })], { burst });
      const quotes = run(opts, 10_000);
      const returns = logReturns(quotes).get('A')!;

      // 6 σ never happens by diffusion in 10,000 draws; 20 bps is above the calm 7.5..12.5 bps range.
      const large = returns.filter((r) => Math.abs(r) > 6 * calmStd).length;
      const wide = quotes.filter((q) => (q.askPrice - q.bidPrice) / q.bidPrice > 20 / 10_000).length;
      expect(large > 0).toBe(largeMoves);
      expect(wide > 0).toBe(wideSpreads);
    });

    it('jumps at the configured rate', () => {
      // 1,000 jumps/year over 10,000 ticks of 1.14e-5 years: ~114 jumps, nearly all far beyond 20 σ.
      const opts = options([instrument('A', { annualVolatility: 0.01, jumpsPerYear: 1_000, jumpStdLog: 0.05 })], {
        burst: NO_BURSTS,
      });
      const ticks = 10_000;
      const returns = logReturns(run(opts, ticks)).get('A')!;
      const diffusionStd = 0.01 * Math.sqrt(yearsPerTick(opts));
      const expected = 1_000 * ticks * yearsPerTick(opts);

      const jumps = returns.filter((r) => Math.abs(r) > 20 * diffusionStd).length;
      expect(jumps).toBeGreaterThan(0.7 * expected);
      expect(jumps).toBeLessThan(1.3 * expected);
    });
  });

  describe('sizes', () => {
    it('stay around typicalLots lots', () => {
      const quotes = run(options([instrument('A', { typicalLots: 40 }, 1, 5)], { burst: NO_BURSTS }), 5_000);
      const meanLots = quotes.reduce((sum, q) => sum + q.bidSize + q.askSize, 0) / (2 * quotes.length) / 5;
      expect(meanLots).toBeGreaterThan(36);
      expect(meanLots).toBeLessThan(44);
    });
  });

  describe('options', () => {
    const good = instrument('A');
    it.each([
      ['seed', { seed: -1 }, /seed must be an integer in 0..2\^32-1/],
      ['seed', { seed: 1.5 }, /seed/],
      ['ticksPerSecond', { ticksPerSecond: 0 }, /ticksPerSecond must be a finite number > 0/],
      ['timeAcceleration', { timeAcceleration: NaN }, /timeAcceleration/],
      ['instruments', { instruments: [] }, /instruments.length must be at least 1/],
      ['duplicate symbols', { instruments: [good, good] }, /instruments\[1\]\.symbol must be unique/],
      ['tickSize', { instruments: [instrument('A', {}, 0)] }, /instruments\[0\]\.tickSize/],
      ['lotSize', { instruments: [instrument('A', {}, 1, 2.5)] }, /instruments\[0\]\.lotSize/],
      ['referencePrice', { instruments: [instrument('A', { referencePrice: 0 })] }, /profile\.referencePrice/],
      ['annualVolatility', { instruments: [instrument('A', { annualVolatility: -0.1 })] }, /profile\.annualVolatility/],
      ['typicalLots', { instruments: [instrument('A', { typicalLots: 0 })] }, /profile\.typicalLots/],
      ['huge sizes', { instruments: [instrument('A', { typicalLots: 1e12 }, 1, 1e6)] }, /profile\.typicalLots/],
      ['burst probability', { burst: { exitProbability: 2 } }, /burst\.exitProbability/],
      ['burst multiplier', { burst: { volatilityMultiplier: 0.5 } }, /burst\.volatilityMultiplier/],
    ])('rejects a bad %s, naming it', (_name, overrides, message) => {
      expect(() => new PriceModel(options([good], overrides as Partial<PriceModelOptions>))).toThrow(message);
    });
  });
});

describe('DEFAULT_PRICE_PROFILES', () => {
  it('are all accepted by the model', () => {
    const instruments = Object.keys(DEFAULT_PRICE_PROFILES).map((symbol) =>
      instrument(symbol, DEFAULT_PRICE_PROFILES[symbol]),
    );
    expect(() => new PriceModel(options([...instruments, instrument('OTHER', FALLBACK_PRICE_PROFILE)]))).not.toThrow();
    expect(DEFAULT_PRICE_PROFILES['BTC-USD'].referencePrice).toBe(9_500_000); // 95,000.00 at scale 2
    expect(DEFAULT_PRICE_PROFILES['EUR-USD'].referencePrice).toBe(108_500); // 1.08500 at scale 5
  });
});
