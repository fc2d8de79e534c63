import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { GatewayModule } from '../gateway/gateway.module';
import { HealthController } from './health.controller';

@Module({})
export class HealthModule {
  /** `withGateway`: this process serves the stream, and health reports its connections. */
  static forRoot(withGateway: boolean): DynamicModule {
    return { module: HealthModule, imports: withGateway ? [GatewayModule] : [], controllers: [HealthController] };
  }
}
