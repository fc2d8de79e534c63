import { Logger } from '@nestjs/common';
import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { BidRateLimit, KeyConnectionCount } from '../limits/shared-limits';
import type { RedisService } from './redis.service';

/** Window of the shared bid rate: at most 2 × rate bids per 2 s, the local bucket's burst. */
const BID_WINDOW_SECONDS = 2;

/**
 * The per-bidder bid rate over every gateway (rate-limiter-flexible on Redis). While Redis is
 * unreachable each gateway falls back to the same limit in its own memory: bids never depend
 * on Redis.
 */
export class RedisBidRateLimit extends BidRateLimit {
  private readonly limiter: RateLimiterRedis;

  constructor(redis: RedisService, ratePerSecond: number) {
    super();
    const points = ratePerSecond * BID_WINDOW_SECONDS;
    this.limiter = new RateLimiterRedis({
      storeClient: redis.command,
      keyPrefix: redis.keys.bidRate,
      points,
      duration: BID_WINDOW_SECONDS,
      insuranceLimiter: new RateLimiterMemory({ points, duration: BID_WINDOW_SECONDS }),
    });
  }

  async admit(bidderId: string): Promise<boolean> {
    try {
      await this.limiter.consume(bidderId);
      return true;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return false;
      throw rejection;
    }
  }
}

const MEMBER_TTL_MS = 30_000;
const REFRESH_MS = 10_000;

/**
 * Connections per API key over every gateway: a sorted set per key whose members are this
 * node's live connections, scored by an expiry each gateway pushes forward every 10 s. A
 * gateway killed without a goodbye stops refreshing, and its connections stop counting
 * within 30 s. While Redis is unreachable the count is this gateway's own.
 */
export class RedisKeyConnectionCount extends KeyConnectionCount implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RedisKeyConnectionCount.name);
  private readonly mine = new Map<string, Set<number>>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly redis: RedisService) {
    super();
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async count(keyId: string): Promise<number> {
    const key = this.redis.keys.keyConnections(keyId);
    try {
      const results = await this.redis.command.multi().zremrangebyscore(key, '-inf', Date.now()).zcard(key).exec();
      return Number(results?.[1]?.[1] ?? 0);
    } catch {
      return this.mine.get(keyId)?.size ?? 0;
    }
  }

  opened(keyId: string, connectionId: number): void {
    let set = this.mine.get(keyId);
    if (!set) this.mine.set(keyId, (set = new Set()));
    set.add(connectionId);
    const key = this.redis.keys.keyConnections(keyId);
    this.redis.command.zadd(key, Date.now() + MEMBER_TTL_MS, this.member(connectionId)).catch(() => undefined);
  }

  closed(keyId: string, connectionId: number): void {
    const set = this.mine.get(keyId);
    set?.delete(connectionId);
    if (set?.size === 0) this.mine.delete(keyId);
    this.redis.command.zrem(this.redis.keys.keyConnections(keyId), this.member(connectionId)).catch(() => undefined);
  }

  private member(connectionId: number): string {
    return `${this.redis.nodeId}:${connectionId}`;
  }

  private async refresh(): Promise<void> {
    if (this.mine.size === 0) return;
    const expiry = Date.now() + MEMBER_TTL_MS;
    const tx = this.redis.command.multi();
    for (const [keyId, ids] of this.mine) {
      const key = this.redis.keys.keyConnections(keyId);
      tx.zadd(key, ...[...ids].flatMap((id) => [expiry, this.member(id)]));
      tx.pexpire(key, MEMBER_TTL_MS * 2);
    }
    await tx.exec().catch((error: Error) => this.logger.debug(`key connection refresh failed: ${error.message}`));
  }
}
