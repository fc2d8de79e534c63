import { Injectable, Logger } from '@nestjs/common';
import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type WebSocket from 'ws';
import { AppConfig } from '../config/app-config';
import { nowMicros } from '../market/quote';
import { CloseCode } from './close-codes';
import { Connection } from './connection';
import { assessConsumer } from './slow-consumer.policy';
import type { SlowConsumerLimits } from './slow-consumer.policy';
import { StreamStats } from './stream-stats';
import { InboundLimiter } from '../limits/token-bucket';
import { acceptedExtensions } from './stream-ws.adapter';
import { SubscriptionService } from './subscription.service';
import { FrameEncoder } from './wire/outbound';
import { encodingOf, negotiatedDeflateWindowBits } from './wire/subprotocol';

/**
 * Every open connection and the two policies that watch them: heartbeats (reap dead
 * peers, keep idle ones visibly alive) and slow consumers (conflate harder, warn, close).
 */
@Injectable()
export class ConnectionRegistry implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ConnectionRegistry.name);
  private readonly byWs = new Map<WebSocket, Connection>();
  private readonly degraded = new Set<Connection>();
  private readonly perAddress = new Map<string, number>();
  private readonly limits: SlowConsumerLimits;
  private nextId = 1;
  /** Set on shutdown: new handshakes are refused (503). */
  draining = false;
  private heartbeatTimer?: NodeJS.Timeout;
  private backpressureTimer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly subscriptions: SubscriptionService,
    private readonly encoder: FrameEncoder,
    private readonly stats: StreamStats,
  ) {
    const env = config.env;
    this.limits = {
      softBytes: env.SLOW_CONSUMER_SOFT_BYTES,
      hardBytes: env.SLOW_CONSUMER_HARD_BYTES,
      graceMs: env.SLOW_CONSUMER_GRACE_MS,
    };
  }

  onModuleInit(): void {
    this.heartbeatTimer = setInterval(() => this.heartbeatSweep(), this.config.env.HEARTBEAT_INTERVAL_MS);
    const backpressureEvery = Math.max(10, Math.min(250, Math.floor(this.limits.graceMs / 4)));
    this.backpressureTimer = setInterval(() => this.backpressureSweep(), backpressureEvery);
    this.heartbeatTimer.unref();
    this.backpressureTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.heartbeatTimer);
    clearInterval(this.backpressureTimer);
  }

  get size(): number {
    return this.byWs.size;
  }

  open(ws: WebSocket, request: IncomingMessage): Connection {
    const env = this.config.env;
    const encoding = encodingOf(ws.protocol);
    if (encoding === undefined) throw new Error(`connection without a supported subprotocol: "${ws.protocol}"`);
    const connection = new Connection(
      this.nextId++,
      ws,
      encoding,
      negotiatedDeflateWindowBits(acceptedExtensions.get(request) ?? ''),
      this.stats,
      {
        inbound: new InboundLimiter(env.INBOUND_MESSAGES_PER_SECOND, env.INBOUND_BURST, env.INBOUND_STRIKES_TO_CLOSE, 10_000, Date.now()),
        softLimitBytes: this.limits.softBytes,
        hardLimitBytes: this.limits.hardBytes,
        onBackpressure: (c) => this.applySlowConsumerPolicy(c),
      },
    );
    ws.on('pong', () => (connection.alive = true));
    this.byWs.set(ws, connection);
    const address = connection.remoteAddress;
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    this.stats.connectionsOpen = this.byWs.size;
    this.stats.connectionsTotal++;
    this.logger.log(
      `connection ${connection.id} open from ${request.socket.remoteAddress} protocol=${ws.protocol} ` +
        `deflate=${connection.deflateWindowBits || 'off'}`,
    );
    return connection;
  }

  /** Open connections from one remote address (for the per-address limit at the handshake). */
  connectionsFrom(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }

  get(ws: WebSocket): Connection | undefined {
    return this.byWs.get(ws);
  }

  close(ws: WebSocket): Connection | undefined {
    const connection = this.byWs.get(ws);
    if (!connection) return undefined;
    this.byWs.delete(ws);
    this.degraded.delete(connection);
    const left = (this.perAddress.get(connection.remoteAddress) ?? 1) - 1;
    if (left > 0) this.perAddress.set(connection.remoteAddress, left);
    else this.perAddress.delete(connection.remoteAddress);
    this.subscriptions.release(connection);
    this.stats.connectionsOpen = this.byWs.size;
    this.logger.log(`connection ${connection.id} closed`);
    return connection;
  }

  /** Asks every client to go elsewhere; used on shutdown. */
  closeAll(code: CloseCode, reason: string): void {
    for (const connection of this.byWs.values()) connection.ws.close(code, reason);
  }

  private heartbeatSweep(): void {
    let heartbeat: ReturnType<FrameEncoder['message']> | undefined;
    for (const connection of this.byWs.values()) {
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

  private backpressureSweep(): void {
    for (const connection of this.degraded) this.applySlowConsumerPolicy(connection);
  }

  private applySlowConsumerPolicy(connection: Connection): void {
    if (!connection.isOpen) return;
    const buffered = connection.bufferedBytes;
    const now = Date.now();
    switch (assessConsumer(buffered, connection.consumer, now, this.limits)) {
      case 'none':
        return;
      case 'degrade': {
        connection.consumer = { kind: 'degraded', sinceMs: now };
        this.degraded.add(connection);
        const { SLOW_CONSUMER_RATE, SLOW_CONSUMER_SOFT_BYTES, SLOW_CONSUMER_GRACE_MS } = this.config.env;
        connection.send(
          this.encoder.message({
            slowConsumerWarning: {
              bufferedBytes: buffered,
              limitBytes: SLOW_CONSUMER_SOFT_BYTES,
              maxRate: SLOW_CONSUMER_RATE,
              graceMs: SLOW_CONSUMER_GRACE_MS,
            },
          }),
        );
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
        connection.ws.close(CloseCode.SlowConsumer, 'slow consumer: too far behind');
        return;
    }
  }
}
