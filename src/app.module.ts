import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { AuctionModule } from './auction/auction.module';
import { ClusterModule } from './cluster/cluster.module';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { EventsModule } from './events/events.module';
import { GatewayModule } from './gateway/gateway.module';
import { HealthModule } from './health/health.module';
import { MarketModule } from './market/market.module';
import { MetricsModule } from './metrics/metrics.module';
import { TelemetryModule } from './metrics/telemetry';
import { ReplayModule } from './replay/replay.module';
import { SimulatorModule } from './simulator/simulator.module';

@Module({})
export class AppModule {
  /** The whole platform, on an already reachable PostgreSQL at `databaseUrl`. */
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        EventsModule,
        TelemetryModule,
        ClusterModule.forRoot(config),
        DatabaseModule.forRoot(databaseUrl, config.env.DB_POOL_SIZE),
        MarketModule,
        AuctionModule,
        // A feed-only cluster member serves no stream: it sequences and runs the sources.
        ...(config.env.CLUSTER_ROLE === 'feed' ? [] : [GatewayModule]),
        SimulatorModule,
        ReplayModule,
        HealthModule.forRoot(config.env.CLUSTER_ROLE !== 'feed'),
        MetricsModule.forRoot(config.env.CLUSTER_ROLE !== 'feed'),
      ],
    };
  }
}
