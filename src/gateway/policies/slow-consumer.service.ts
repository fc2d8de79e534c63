import { Injectable, Logger } from '@nestjs/common';
import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { CloseCode } from '../close-codes';
import type { Connection } from '../connection';
import { ConnectionRegistry } from '../connection-registry.service';
import { assessConsumer } from '../slow-consumer.policy';
import type { SlowConsumerLimits } from '../slow-consumer.policy';
import { StreamStats } from '../stream-stats';
import { SubscriptionService } from '../subscription.service';
import { FrameEncoder } from '../wire/outbound';

/**
 * Acts on the pure slow-consumer policy (../slow-consumer.policy.ts): a connection whose
 * queued bytes pass the soft limit is warned and conflated to SLOW_CONSUMER_RATE; it recovers
 * when it catches up, and is closed (4008) when it stays behind past the grace time or passes
 * the hard limit. Degraded connections are re-assessed on a short timer.
 */
@Injectable()
export class SlowConsumerService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SlowConsumerService.name);
  private readonly degraded = new Set<Connection>();
  private readonly limits: SlowConsumerLimits;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly connections: ConnectionRegistry,
    private readonly subscriptions: SubscriptionService,
    private readonly encoder: FrameEncoder,
    private readonly stats: StreamStats,
  ) {
    const env = config.env;
    this.limits = { softBytes: env.SLOW_CONSUMER_SOFT_BYTES, hardBytes: env.SLOW_CONSUMER_HARD_BYTES, graceMs: env.SLOW_CONSUMER_GRACE_MS };
  }

  onModuleInit(): void {
    this.connections.onBackpressure((connection) => this.assess(connection, Date.now()));
    this.connections.onClosed((connection) => this.degraded.delete(connection));
    const every = Math.max(10, Math.min(250, Math.floor(this.limits.graceMs / 4)));
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const connection of this.degraded) this.assess(connection, now);
    }, every);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  assess(connection: Connection, now: number): void {
    if (!connection.isOpen) return;
    const buffered = connection.bufferedBytes;
    switch (assessConsumer(buffered, connection.consumer, now, this.limits)) {
      case 'none':
        return;
      case 'degrade': {
        connection.consumer = { kind: 'degraded', sinceMs: now };
        this.degraded.add(connection);
        const { SLOW_CONSUMER_RATE, SLOW_CONSUMER_SOFT_BYTES, SLOW_CONSUMER_GRACE_MS } = this.config.env;
        connection.send(this.encoder.message({
          slowConsumerWarning: { bufferedBytes: buffered, limitBytes: SLOW_CONSUMER_SOFT_BYTES, maxRate: SLOW_CONSUMER_RATE, graceMs: SLOW_CONSUMER_GRACE_MS },
        }));
        this.subscriptions.degrade(connection);
        this.stats.slowConsumerWarnings++;
        this.logger.warn(`connection ${connection.id} is a slow consumer (${buffered} bytes queued)`);
        return;
      }
      case 'recover':
        connection.consumer = { kind: 'ok' };
        this.degraded.delete(connection);
        this.subscriptions.restore(connection);
        this.stats.slowConsumerRecoveries++;
        this.logger.log(`connection ${connection.id} caught up`);
        return;
      case 'close':
        this.degraded.delete(connection);
        this.subscriptions.release(connection);
        this.stats.slowConsumerCloses++;
        this.logger.warn(`connection ${connection.id} closed as a slow consumer (${buffered} bytes queued)`);
        connection.close(CloseCode.SlowConsumer, 'slow consumer: too far behind');
        return;
    }
  }
}
