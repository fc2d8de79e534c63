import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { EventBus } from '../events/event-bus';
import { clusterEpoch } from '../market/market-data.service';
import type { MarketDataService } from '../market/market-data.service';
import type { RedisService } from './redis.service';

// Compare-and-act on the lease, so a feed only ever extends or frees its own.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Exactly one active feed per cluster: a lease in Redis (SET NX PX, renewed by its holder).
 * A standby feed polls for it and takes over when the holder dies or stops renewing, with a new
 * epoch. The holder steps down before its lease can have expired when it cannot renew (Redis
 * unreachable), so two feeds never number ticks at once. A holder that regains the lease with
 * nobody else having held it in between keeps its epoch: the numbering never broke.
 */
export class FeedLeaseService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(FeedLeaseService.name);
  private timer?: NodeJS.Timeout;
  private active = false;
  private lastRenewedAt = 0;
  private ledBefore = false;
  private busy = false;

  constructor(
    private readonly redis: RedisService,
    private readonly market: MarketDataService,
    private readonly events: EventBus,
    private readonly leaseMs: number,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.step(), Math.max(50, Math.floor(this.leaseMs / 4)));
    void this.step();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    if (!this.active) return;
    this.stepDown('shutting down');
    await this.redis.command.eval(RELEASE, 1, this.redis.keys.feedLease, this.redis.nodeId).catch(() => undefined);
  }

  get isActive(): boolean {
    return this.active;
  }

  /** One renewal or acquisition attempt; overlapping attempts are skipped. */
  async step(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      if (this.active) await this.renew();
      else await this.tryAcquire();
    } finally {
      this.busy = false;
    }
  }

  private async renew(): Promise<void> {
    const { command, keys, nodeId } = this.redis;
    try {
      const renewed = await command.eval(RENEW, 1, keys.feedLease, nodeId, String(this.leaseMs));
      if (renewed === 1) this.lastRenewedAt = Date.now();
      else this.stepDown('the lease is held by another feed');
    } catch (error) {
      // Half the lease without a renewal: it may expire soon and another feed take over.
      if (Date.now() - this.lastRenewedAt > this.leaseMs / 2) this.stepDown(`cannot renew the lease: ${(error as Error).message}`);
    }
  }

  private async tryAcquire(): Promise<void> {
    const { command, keys, nodeId } = this.redis;
    try {
      if ((await command.set(keys.feedLease, nodeId, 'PX', this.leaseMs, 'NX')) !== 'OK') return;
      this.lastRenewedAt = Date.now();
      const sharedEpoch = await command.get(keys.epoch);
      let epoch = this.market.epoch;
      if (!(this.ledBefore && sharedEpoch === epoch)) {
        epoch = clusterEpoch(Date.now(), randomUUID());
        await command.multi().del(keys.latest).del(keys.latestTrades).set(keys.epoch, epoch).exec();
        this.market.startEpoch(epoch);
      }
      this.active = true;
      this.ledBefore = true;
      this.logger.log(`this process is the active feed (epoch ${epoch})`);
      this.events.emit('feed.leadership', { active: true, epoch });
    } catch (error) {
      this.logger.debug(`feed lease not acquired: ${(error as Error).message}`);
    }
  }

  private stepDown(why: string): void {
    if (!this.active) return;
    this.active = false;
    this.logger.warn(`no longer the active feed: ${why}`);
    this.events.emit('feed.leadership', { active: false, epoch: this.market.epoch });
  }
}

/** One process, no Redis: this process is the feed from the start. */
export class LocalFeedService implements OnApplicationBootstrap {
  constructor(
    private readonly market: MarketDataService,
    private readonly events: EventBus,
  ) {}

  onApplicationBootstrap(): void {
    this.events.emit('feed.leadership', { active: true, epoch: this.market.epoch });
  }
}
