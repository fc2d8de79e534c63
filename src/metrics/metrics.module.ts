import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { GatewayModule } from '../gateway/gateway.module';
import { StreamStats } from '../gateway/stream-stats';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

@Module({})
export class MetricsModule {
  /** `withGateway`: stream metrics come from the gateway; a feed-only process reports them as zero. */
  static forRoot(withGateway: boolean): DynamicModule {
    return {
      module: MetricsModule,
      imports: withGateway ? [GatewayModule] : [],
      controllers: [MetricsController],
      providers: [MetricsService, ...(withGateway ? [] : [{ provide: StreamStats, useValue: new StreamStats() }])],
    };
  }
}
