import { Module } from '@nestjs/common';
import { GatewayModule } from '../gateway/gateway.module';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

@Module({ imports: [GatewayModule], controllers: [MetricsController], providers: [MetricsService] })
export class MetricsModule {}
