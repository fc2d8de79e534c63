import type { PriceProfile } from './price-model';

/**
 * Starting prices and behaviour of the catalogue symbols, roughly in line with late-2024
 * markets. referencePrice is in minor units of the symbol's price scale (BTC-USD at scale 2:
 * 9500000 is 95,000.00). Volatilities are the calm regime; bursts multiply them.
 * typicalLots assumes the catalogue's lot is a small trading unit (a share, 0.001 BTC, 1,000 FX units).
 */
export const DEFAULT_PRICE_PROFILES: Record<string, PriceProfile> = {
  //          referencePrice, annualVolatility, jumpsPerYear, jumpStdLog, spreadBps, typicalLots
  // Crypto (scale 2): high volatility and frequent jumps, tight spreads on the majors.
  'BTC-USD': profile(9_500_000, 0.55, 24, 0.025, 1, 50),
  'ETH-USD': profile(340_000, 0.7, 24, 0.03, 1.5, 80),
  'SOL-USD': profile(18_000, 0.9, 30, 0.04, 4, 120),
  // US equities (scale 2): a few jumps a year (earnings, news).
  AAPL: profile(23_000, 0.25, 6, 0.03, 1, 300),
  MSFT: profile(42_000, 0.22, 6, 0.03, 1, 200),
  NVDA: profile(14_000, 0.5, 8, 0.05, 1.5, 500),
  TSLA: profile(25_000, 0.5, 8, 0.05, 2, 300),
  AMZN: profile(20_000, 0.3, 6, 0.04, 1.5, 300),
  // FX majors: low volatility, rare small jumps, sub-pip spreads.
  'EUR-USD': profile(108_500, 0.07, 4, 0.004, 0.8, 1_000), // scale 5
  'GBP-USD': profile(127_000, 0.08, 4, 0.005, 1.2, 1_000), // scale 5
  'USD-JPY': profile(151_250, 0.1, 4, 0.006, 1, 1_000), // scale 3
  // Gold (scale 2).
  'XAU-USD': profile(265_000, 0.15, 4, 0.01, 1.5, 20),
};

/** For symbols without a profile: 100.00 at scale 2, equity-like behaviour. */
export const FALLBACK_PRICE_PROFILE: PriceProfile = profile(10_000, 0.3, 6, 0.03, 5, 100);

function profile(
  referencePrice: number,
  annualVolatility: number,
  jumpsPerYear: number,
  jumpStdLog: number,
  spreadBps: number,
  typicalLots: number,
): PriceProfile {
  return { referencePrice, annualVolatility, jumpsPerYear, jumpStdLog, spreadBps, typicalLots };
}
