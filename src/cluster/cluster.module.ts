import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Global, Module } from '@nestjs/common';
import type { DynamicModule, Provider } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { EventBus } from '../events/event-bus';
import { BidRateLimit, KeyConnectionCount, LocalBidRateLimit, LocalKeyConnectionCount } from '../limits/shared-limits';
import { MarketModule } from '../market/market.module';
import { MarketDataService } from '../market/market-data.service';
import { ClusterStatus } from './cluster-status';
import { FeedLeaseService, LocalFeedService } from './feed-lease.service';
import { FeedPublisherService } from './feed-publisher.service';
import { RedisBidRateLimit, RedisKeyConnectionCount } from './redis-limits';
import { RedisService } from './redis.service';
import { RemoteEventsService } from './remote-events.service';
import { TickReceiverService } from './tick-receiver.service';

/**
 * How this process takes part in the platform. Without REDIS_URL: one process that is feed
 * and gateway, on the in-process bus. With it: a cluster member with role CLUSTER_ROLE, whose
 * cluster-scoped events, ticks and shared limits go through Redis (docs/scaling.md).
 */
@Global()
@Module({})
export class ClusterModule {
  static forRoot(config: AppConfig): DynamicModule {
    const env = config.env;
    const nodeId = env.NODE_ID ?? `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
    const providers: Provider[] = env.REDIS_URL ? clusterProviders(config, nodeId) : singleProcessProviders(config, nodeId);
    return {
      module: ClusterModule,
      imports: [MarketModule],
      providers,
      exports: [BidRateLimit, KeyConnectionCount, ClusterStatus],
    };
  }
}

function singleProcessProviders(config: AppConfig, nodeId: string): Provider[] {
  const status: ClusterStatus = {
    mode: 'single',
    role: 'all',
    nodeId,
    redisUp: () => true,
    feedHealth: () => ({ state: 'live' }),
    isActiveFeed: () => true,
    counters: () => ({ tickPublishes: 0, tickPublishFailures: 0, droppedEvents: 0, malformedTickMessages: 0 }),
  };
  return [
    { provide: ClusterStatus, useValue: status },
    { provide: BidRateLimit, useValue: new LocalBidRateLimit(config.env.BIDS_PER_SECOND_PER_BIDDER) },
    { provide: KeyConnectionCount, useValue: new LocalKeyConnectionCount() },
    { provide: LocalFeedService, inject: [MarketDataService, EventBus], useFactory: (m: MarketDataService, e: EventBus) => new LocalFeedService(m, e) },
  ];
}

function clusterProviders(config: AppConfig, nodeId: string): Provider[] {
  const env = config.env;
  const role = env.CLUSTER_ROLE;
  const isFeed = role !== 'gateway';
  const isGateway = role !== 'feed';
  const providers: Provider[] = [
    { provide: RedisService, useFactory: () => new RedisService(config, nodeId) },
    { provide: RemoteEventsService, inject: [RedisService, EventBus], useFactory: (r: RedisService, e: EventBus) => new RemoteEventsService(r, e) },
    { provide: BidRateLimit, inject: [RedisService], useFactory: (r: RedisService) => new RedisBidRateLimit(r, env.BIDS_PER_SECOND_PER_BIDDER) },
    { provide: KeyConnectionCount, inject: [RedisService], useFactory: (r: RedisService) => new RedisKeyConnectionCount(r) },
  ];
  if (isFeed) {
    providers.push(
      {
        provide: FeedLeaseService,
        inject: [RedisService, MarketDataService, EventBus],
        useFactory: (r: RedisService, m: MarketDataService, e: EventBus) => new FeedLeaseService(r, m, e, env.FEED_LEASE_MS),
      },
      {
        provide: FeedPublisherService,
        inject: [RedisService, MarketDataService, EventBus],
        useFactory: (r: RedisService, m: MarketDataService, e: EventBus) => new FeedPublisherService(r, m, e),
      },
    );
  }
  if (isGateway) {
    providers.push({
      provide: TickReceiverService,
      inject: [RedisService, MarketDataService, EventBus],
      useFactory: (r: RedisService, m: MarketDataService, e: EventBus) => new TickReceiverService(r, m, e, env.FEED_STALE_AFTER_MS),
    });
  }
  providers.push({
    provide: ClusterStatus,
    inject: [
      RedisService,
      RemoteEventsService,
      { token: FeedLeaseService, optional: true },
      { token: FeedPublisherService, optional: true },
      { token: TickReceiverService, optional: true },
    ],
    useFactory: (redis: RedisService, events: RemoteEventsService, lease?: FeedLeaseService, publisher?: FeedPublisherService,
      receiver?: TickReceiverService): ClusterStatus => ({
      mode: 'cluster',
      role,
      nodeId,
      redisUp: () => redis.up,
      feedHealth: () => receiver?.feedHealth ?? null,
      isActiveFeed: () => lease?.isActive ?? false,
      counters: () => ({
        tickPublishes: publisher?.publishedBatches ?? 0,
        tickPublishFailures: publisher?.failedPublishes ?? 0,
        droppedEvents: events.droppedEvents,
        malformedTickMessages: receiver?.malformedMessages ?? 0,
      }),
    }),
  });
  return providers;
}
