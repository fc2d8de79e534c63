import { Module } from '@nestjs/common';
import { AuctionModule } from '../auction/auction.module';
import { AuthModule } from '../auth/auth.module';
import { AppConfig } from '../config/app-config';
import { MarketModule } from '../market/market.module';
import { AuctionFeedService } from './auction-feed.service';
import { ConnectionRegistry } from './connection-registry.service';
import { CandleFanoutService } from './candle-fanout.service';
import { FanoutService } from './fanout.service';
import { FaultsService } from './faults/faults.service';
import { FeedStatusNotifier } from './feed-status.notifier';
import { HandshakeContexts } from './handshake-context';
import { PublishController } from './publish.controller';
import { CredentialsPolicy } from './policies/credentials.policy';
import { HeartbeatPolicy } from './policies/heartbeat.policy';
import { SlowConsumerService } from './policies/slow-consumer.service';
import { StreamStats } from './stream-stats';
import { StreamGateway } from './stream.gateway';
import { SubscriptionService } from './subscription.service';
import { TradeFanoutService } from './trade-fanout.service';
import { FrameEncoder } from './wire/outbound';

@Module({
  imports: [MarketModule, AuctionModule, AuthModule],
  controllers: [PublishController],
  providers: [
    StreamStats,
    {
      provide: FrameEncoder,
      inject: [AppConfig, StreamStats],
      useFactory: (config: AppConfig, stats: StreamStats) =>
        new FrameEncoder(
          {
            thresholdBytes: config.env.DEFLATE_THRESHOLD_BYTES,
            level: config.env.DEFLATE_LEVEL,
            memLevel: config.env.DEFLATE_MEM_LEVEL,
          },
          stats,
        ),
    },
    FanoutService,
    TradeFanoutService,
    CandleFanoutService,
    AuctionFeedService,
    SubscriptionService,
    ConnectionRegistry,
    HandshakeContexts,
    HeartbeatPolicy,
    CredentialsPolicy,
    SlowConsumerService,
    FeedStatusNotifier,
    FaultsService,
    StreamGateway,
  ],
  exports: [StreamStats, ConnectionRegistry],
})
export class GatewayModule {}
