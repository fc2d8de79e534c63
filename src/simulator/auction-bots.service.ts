import { Injectable, Logger } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import type { BidderIdentity } from '../auction/auction.types';
import { AuctionsService } from '../auction/auctions.service';
import { BiddersService } from '../auction/bidders.service';
import { BiddingService } from '../auction/bidding.service';
import { Clock } from '../auction/clock';
import { AppConfig } from '../config/app-config';
import { EventBus } from '../events/event-bus';
import { decideBotBid, makeBots } from './bidding-bots';
import type { BotBidder, OpenAuctionView } from './bidding-bots';

const LOTS = [
  'Leica M6 rangefinder, 1986', 'Omega Speedmaster Professional', 'First edition "Dune", 1965', 'Eames lounge chair',
  'Fender Stratocaster, 1972', 'Nintendo Game Boy, sealed', 'Mid-century teak sideboard', 'Vintage Rolex Datejust',
  'Original Apple Macintosh 128K', 'Hermès silk scarf', 'Signed Pelé football shirt', 'Bang & Olufsen Beogram 4000',
];
const BOT_COUNT = 9;
const SELLER = 'sim-seller';

/**
 * Live auctions out of the box: keeps SIM_AUCTIONS auctions open and has seeded bot
 * bidders (steady, proxy, sniper) bid on them through the same BiddingService as people.
 * Runs only while this process is the active feed.
 */
@Injectable()
export class AuctionBotsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AuctionBotsService.name);
  private readonly timers: NodeJS.Timeout[] = [];
  private rng: RandomGenerator = xoroshiro128plus(0);
  private bots: { bot: BotBidder; identity: BidderIdentity }[] = [];
  private open: OpenAuctionView[] = [];
  private busy = false;

  constructor(
    private readonly config: AppConfig,
    private readonly auctions: AuctionsService,
    private readonly bidding: BiddingService,
    private readonly bidders: BiddersService,
    private readonly events: EventBus,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.events.on('feed.leadership', ({ active }) => {
      if (active) void this.start().catch((error: Error) => this.logger.warn(`auction simulator did not start: ${error.message}`));
      else this.stop();
    });
  }

  private async start(): Promise<void> {
    const { SIM_ENABLED, SIM_AUCTIONS, SIM_BIDS_PER_SECOND, SIM_SEED } = this.config.env;
    if (!SIM_ENABLED || SIM_AUCTIONS === 0 || this.timers.length > 0) return;
    this.rng = xoroshiro128plus(SIM_SEED + 1);
    const cast = makeBots(BOT_COUNT, this.rng);
    this.bots = await Promise.all(cast.map(async (bot) => ({ bot, identity: await this.bidders.ensure(bot.handle) })));
    await this.refresh();
    this.timers.push(setInterval(() => void this.refresh(), 1000));
    if (SIM_BIDS_PER_SECOND > 0) this.timers.push(setInterval(() => void this.bidOnce(), 1000 / SIM_BIDS_PER_SECOND));
    this.timers.forEach((t) => t.unref());
    this.logger.log(`${BOT_COUNT} bot bidders on ${SIM_AUCTIONS} simulated auctions`);
  }

  onApplicationShutdown(): void {
    this.stop();
  }

  private stop(): void {
    this.timers.splice(0).forEach((t) => clearInterval(t));
  }

  private async refresh(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      // Only the simulator's own lots: bots never bid on real auctions.
      const views = await this.auctions.list('open', 200, 0, SELLER);
      const titles = new Set(views.map((v) => v.title));
      this.open = views
        .filter((v) => v.status === 'open')
        .map((v) => ({ id: v.id, startingPrice: v.startingPrice, currentPrice: v.currentPrice, nextMinimum: v.nextMinimum,
          leader: v.leader, endAtMs: Date.parse(v.endAt) }));
      for (let missing = this.config.env.SIM_AUCTIONS - this.open.length; missing > 0; missing--) await this.createOne(titles);
    } catch (error) {
      this.logger.warn(`auction simulator refresh failed: ${(error as Error).message}`);
    } finally {
      this.busy = false;
    }
  }

  /** A new lot whose title no open simulated lot has (numbered once every title is taken). */
  private async createOne(taken: Set<string>): Promise<void> {
    const startingPrice = uniformInt(this.rng, 10, 500) * 100;
    const withReserve = uniformInt(this.rng, 0, 9) < 4;
    const minutes = uniformInt(this.rng, 3, 8);
    await this.auctions.create({
      title: freeTitle(LOTS, uniformInt(this.rng, 0, LOTS.length - 1), taken),
      description: 'Simulated lot',
      sellerHandle: SELLER,
      currency: 'EUR',
      priceScale: 2,
      startingPrice,
      reservePrice: withReserve ? startingPrice * uniformInt(this.rng, 15, 30) / 10 : undefined,
      endAt: new Date(this.clock.now() + minutes * 60_000).toISOString(),
      softCloseWindowSeconds: 30,
      softCloseExtensionSeconds: 30,
    });
  }

  private async bidOnce(): Promise<void> {
    if (this.open.length === 0 || this.bots.length === 0) return;
    const auction = this.open[uniformInt(this.rng, 0, this.open.length - 1)];
    const { bot, identity } = this.bots[uniformInt(this.rng, 0, this.bots.length - 1)];
    const now = this.clock.now();
    const bid = decideBotBid(bot, identity.pseudonym, auction, now, this.rng);
    if (!bid) return;
    const outcome = await this.bidding.placeBid(identity, {
      auctionId: auction.id,
      amount: bid.amount,
      maxAmount: bid.maxAmount,
      clientBidId: `${bot.handle}-${now}-${uniformInt(this.rng, 0, 1e9)}`,
      receivedAt: now,
    });
    // Keep the local view current so the next bot decides on fresh prices.
    if (outcome.accepted) Object.assign(auction, { currentPrice: outcome.price, nextMinimum: outcome.nextMinimum, endAtMs: outcome.endAt, leader: outcome.leading ? identity.pseudonym : auction.leader });
    else if (outcome.nextMinimum) auction.nextMinimum = outcome.nextMinimum;
  }
}

/** The first title from `start` on (wrapping) that is not taken, else the first free numbered one; marks it taken. */
export function freeTitle(lots: readonly string[], start: number, taken: Set<string>): string {
  for (let n = 1; ; n++) {
    for (let i = 0; i < lots.length; i++) {
      const base = lots[(start + i) % lots.length];
      const title = n === 1 ? base : `${base} (lot ${n})`;
      if (!taken.has(title)) {
        taken.add(title);
        return title;
      }
    }
  }
}
