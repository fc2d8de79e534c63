import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

export type BotStyle = 'steady' | 'proxy' | 'sniper';

export interface BotBidder {
  handle: string;
  style: BotStyle;
  /** What the bot thinks an item is worth, as a multiple of its starting price (x100). */
  valuationPercent: number;
}

export interface OpenAuctionView {
  id: string;
  startingPrice: number;
  currentPrice: number;
  nextMinimum: number;
  leader: string | null;
  endAtMs: number;
}

/**
 * How each bot style bids, given an open auction:
 * - steady bids the minimum whenever it is not leading and the price is below its valuation;
 * - proxy bids the minimum once with its whole valuation as confidential maximum;
 * - sniper waits for the last 20 seconds, then bids the minimum, up to its valuation.
 */
export function decideBotBid(
  bot: BotBidder,
  pseudonym: string,
  auction: OpenAuctionView,
  nowMs: number,
  rng: RandomGenerator,
): { amount: number; maxAmount: number | null } | null {
  if (auction.leader === pseudonym) return null;
  const valuation = Math.floor((auction.startingPrice * bot.valuationPercent) / 100);
  if (auction.nextMinimum > valuation) return null;
  switch (bot.style) {
    case 'steady':
      return { amount: auction.nextMinimum, maxAmount: null };
    case 'proxy':
      return { amount: auction.nextMinimum, maxAmount: valuation };
    case 'sniper': {
      const remaining = auction.endAtMs - nowMs;
      if (remaining > 20_000) return null;
      // Snipers add a little on top so equal snipes do not all bounce off the minimum.
      const extra = uniformInt(rng, 0, 2) * (auction.nextMinimum - auction.currentPrice || 1);
      return { amount: Math.min(valuation, auction.nextMinimum + extra), maxAmount: null };
    }
  }
}

/** A seeded cast of bots: a few of each style with spread-out valuations. */
export function makeBots(count: number, rng: RandomGenerator): BotBidder[] {
  const styles: BotStyle[] = ['steady', 'proxy', 'sniper'];
  return Array.from({ length: count }, (_, i) => ({
    handle: `bot-${styles[i % 3]}-${Math.floor(i / 3) + 1}`,
    style: styles[i % 3],
    valuationPercent: uniformInt(rng, 150, 600),
  }));
}
