import { Injectable } from '@nestjs/common';
import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { nowMicros } from '../../market/quote';
import { CloseCode } from '../close-codes';
import type { Connection } from '../connection';
import { ConnectionRegistry } from '../connection-registry.service';
import { StreamStats } from '../stream-stats';
import { FrameEncoder } from '../wire/outbound';

/**
 * Every HEARTBEAT_INTERVAL_MS: reaps peers that did not answer the last ping, pings the
 * others, sends a Heartbeat to connections that were sent nothing else (browsers cannot see
 * pings), and closes idle connections (no subscription, no message for IDLE_TIMEOUT_MS).
 */
@Injectable()
export class HeartbeatPolicy implements OnModuleInit, OnModuleDestroy {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly connections: ConnectionRegistry,
    private readonly encoder: FrameEncoder,
    private readonly stats: StreamStats,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => this.sweep(this.connections.all(), Date.now()), this.config.env.HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  sweep(connections: Iterable<Connection>, now: number): void {
    let heartbeat: ReturnType<FrameEncoder['message']> | undefined;
    const idleMs = this.config.env.IDLE_TIMEOUT_MS;
    for (const connection of connections) {
      // Idle: subscribed to nothing and silent; a quiet subscriber is not idle.
      if (idleMs > 0 && connection.marketSubscriptionCount === 0 && connection.auctions.size === 0 && now - connection.lastInboundAt > idleMs) {
        connection.close(CloseCode.Idle, 'idle: no subscription and no message');
        continue;
      }
      if (!connection.alive) {
        // No pong for a whole interval: the peer is gone without a close.
        this.stats.deadConnectionsReaped++;
        connection.ws.terminate();
        continue;
      }
      connection.alive = false;
      connection.ws.ping();
      if (!connection.sentSinceSweep) {
        heartbeat ??= this.encoder.message({ heartbeat: { serverTimeUs: nowMicros() } });
        connection.send(heartbeat);
      }
      connection.sentSinceSweep = false;
    }
  }
}
