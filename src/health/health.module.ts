import { Module } from '@nestjs/common';
import { GatewayModule } from '../gateway/gateway.module';
import { HealthController } from './health.controller';

@Module({ imports: [GatewayModule], controllers: [HealthController] })
export class HealthModule {}
