import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { openRecording, replayPlan } from '../../sdk/src/recording';
import type { RecordedItem } from '../../sdk/src/recording';
import type { bidtape } from '../generated/bidtape';
import { AppConfig } from '../config/app-config';
import { EventBus } from '../events/event-bus';
import { quoteOf, tradeOf } from '../cluster/tick-channel';
import { InstrumentsService } from '../market/instruments.service';
import { clusterEpoch, MarketDataService } from '../market/market-data.service';

/** How many items a `max`-speed replay publishes before letting the event loop breathe. */
const MAX_SPEED_SLICE = 200;

/**
 * A recording (REPLAY_FILE) as the source of its symbols, in place of the simulator: each
 * quote and trade is sequenced again here, paced by the times it was received at
 * (REPLAY_SPEED times real time, or as fast as possible), from REPLAY_FROM on. Prices, sizes,
 * trade ids and source timestamps are published exactly as recorded, so replaying the same
 * file gives every subscriber the same payloads; only the seqs are this server's (from 1 in a
 * new epoch per pass). At the end subscribers are told (FeedStatus ENDED), or with REPLAY_LOOP
 * a new epoch starts the next pass. Runs only on the active feed.
 */
@Injectable()
export class ReplayService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ReplayService.name);
  private running = false;
  private stopped = false;

  constructor(
    private readonly config: AppConfig,
    private readonly instruments: InstrumentsService,
    private readonly market: MarketDataService,
    private readonly events: EventBus,
  ) {}

  onModuleInit(): void {
    if (!this.config.env.REPLAY_FILE) return;
    this.events.on('feed.leadership', ({ active }) => {
      this.stopped = !active;
      if (active && !this.running) void this.run().catch((error: Error) => this.logger.error(`replay failed: ${error.message}`));
    });
  }

  onApplicationShutdown(): void {
    this.stopped = true;
  }

  private async run(): Promise<void> {
    this.running = true;
    const { REPLAY_FILE, REPLAY_SPEED, REPLAY_LOOP, REPLAY_FROM } = this.config.env;
    const file = REPLAY_FILE!;
    try {
      for (let pass = 1; !this.stopped; pass++) {
        const { header, items } = await openRecording(file);
        const symbols = this.instruments.claimForReplay(header.instruments.map((i) => i.symbol ?? ''));
        if (pass === 1) this.logger.log(`replaying ${file} (${symbols.join(', ')}) at ${REPLAY_SPEED === 'max' ? 'max speed' : `${REPLAY_SPEED}x`}`);
        // Every pass after the first is a numbering of its own.
        if (pass > 1) this.market.startEpoch(clusterEpoch(Date.now(), randomUUID()));
        const plan = replayPlan(REPLAY_SPEED === 'max' ? 'max' : Number(REPLAY_SPEED), REPLAY_FROM ? Date.parse(REPLAY_FROM) * 1000 : null);
        const wanted = new Set(symbols);
        const published = await this.pass(items, plan, wanted);
        this.logger.log(`replay pass ${pass} done: ${published} items`);
        if (!REPLAY_LOOP) break;
      }
      if (!this.stopped) this.events.emit('market.source.ended', { message: `the replay of ${header(file)} has finished` });
    } finally {
      this.running = false;
    }
  }

  private async pass(items: AsyncIterable<RecordedItem>, plan: ReturnType<typeof replayPlan>, symbols: ReadonlySet<string>): Promise<number> {
    const startedAt = performance.now();
    let published = 0;
    for await (const item of items) {
      if (this.stopped) break;
      const symbol = item.tick?.symbol ?? item.trade?.symbol ?? '';
      const due = plan.dueAfterMs(Number(item.receivedTimeUs));
      if (due === null || !symbols.has(symbol)) continue;
      const wait = due - (performance.now() - startedAt);
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      else if (plan.max && published % MAX_SPEED_SLICE === 0) await new Promise((r) => setImmediate(r));
      // Sequenced again here: the recorded seq is not kept.
      if (item.tick) {
        const { symbol: s, bidPrice, askPrice, bidSize, askSize, lastPrice, timestampUs } = quoteOf(item.tick as bidtape.v1.Tick);
        this.market.publish({ symbol: s, bidPrice, askPrice, bidSize, askSize, lastPrice }, timestampUs);
      } else if (item.trade) {
        const { symbol: s, tradeId, price, size, side, timestampUs } = tradeOf(item.trade as bidtape.v1.Trade);
        this.market.publishTrade({ symbol: s, tradeId, price, size, side, timestampUs });
      }
      published++;
    }
    return published;
  }
}

function header(file: string): string {
  return file.split('/').pop() ?? file;
}
