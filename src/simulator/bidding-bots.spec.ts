import { freeTitle } from './auction-bots.service';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { decideBotBid, makeBots } from './bidding-bots';
import type { BotBidder, OpenAuctionView } from './bidding-bots';

const now = 1_000_000;
const auction: OpenAuctionView = { id: 'a', startingPrice: 1000, currentPrice: 1500, nextMinimum: 1550, leader: 'someone', endAtMs: now + 60_000 };
const bot = (style: BotBidder['style'], valuationPercent = 300): BotBidder => ({ handle: `bot-${style}`, style, valuationPercent });

describe(decideBotBid.name, () => {
  it.each<[string, BotBidder, Partial<OpenAuctionView>, ReturnType<typeof decideBotBid>]>([
    ['steady bids the minimum', bot('steady'), {}, { amount: 1550, maxAmount: null }],
    ['proxy bids the minimum with its valuation as maximum', bot('proxy'), {}, { amount: 1550, maxAmount: 3000 }], // 1000 * 300%
    ['sniper waits outside the last 20 s', bot('sniper'), {}, null],
    ['nobody bids over their valuation', bot('steady', 150), {}, null], // 1550 > 1000 * 150%
    ['nobody outbids themselves', bot('steady'), { leader: 'me' }, null],
  ])('%s', (_name, b, change, expected) => {
    expect(decideBotBid(b, 'me', { ...auction, ...change }, now, xoroshiro128plus(1))).toEqual(expected);
  });

  it('snipes in the last 20 seconds, at least the minimum and within its valuation', () => {
    const bid = decideBotBid(bot('sniper'), 'me', { ...auction, endAtMs: now + 10_000 }, now, xoroshiro128plus(7))!;
    expect(bid.amount).toBeGreaterThanOrEqual(1550);
    expect(bid.amount).toBeLessThanOrEqual(3000);
  });
});

describe(makeBots.name, () => {
  it('casts every style, reproducibly from the seed', () => {
    const bots = makeBots(9, xoroshiro128plus(42));
    expect(new Set(bots.map((b) => b.style))).toEqual(new Set(['steady', 'proxy', 'sniper']));
    expect(makeBots(9, xoroshiro128plus(42))).toEqual(bots);
    expect(new Set(bots.map((b) => b.handle)).size).toBe(9);
  });
});

describe(freeTitle.name, () => {
  it('never gives an open lot\'s title again, numbering once all are taken', () => {
    const taken = new Set<string>(['Chair']);
    expect([freeTitle(['Chair', 'Lamp'], 0, taken), freeTitle(['Chair', 'Lamp'], 0, taken), freeTitle(['Chair', 'Lamp'], 1, taken)])
      .toEqual(['Lamp', 'Chair (lot 2)', 'Lamp (lot 2)']);
  });
});
