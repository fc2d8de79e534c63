import { Injectable, Logger } from '@nestjs/common';
import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type WebSocket from 'ws';
import { ApiKeysService } from '../auth/api-keys.service';
import { AppConfig } from '../config/app-config';
import { EventBus } from '../events/event-bus';
import { KeyConnectionCount } from '../limits/shared-limits';
import { nowMicros } from '../market/quote';
import { CloseCode } from './close-codes';
import { Connection } from './connection';
import { assessConsumer } from './slow-consumer.policy';
import type { SlowConsumerLimits } from './slow-consumer.policy';
import { StreamStats } from './stream-stats';
import { InboundLimiter } from '../limits/token-bucket';
import { HandshakeContexts } from './handshake-context';
import { SubscriptionService } from './subscription.service';
import { FrameEncoder } from './wire/outbound';
import { encodingOf, negotiatedDeflateWindowBits } from './wire/subprotocol';

const REVOCATION_CHECK_MS = 2000;

function bump(map: Map<string, number>, key: string, by: number): void {
  const value = (map.get(key) ?? 0) + by;
  if (value > 0) map.set(key, value);
  else map.delete(key);
}

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
  private authTimer?: NodeJS.Timeout;
  private revocationTimer?: NodeJS.Timeout;
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
    private readonly apiKeys: ApiKeysService,
    private readonly keyConnections: KeyConnectionCount,
    private readonly handshakes: HandshakeContexts,
    private readonly events: EventBus,
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
    this.authTimer = setInterval(() => this.expirySweep(), 1000);
    this.revocationTimer = setInterval(() => void this.revocationSweep(), REVOCATION_CHECK_MS);
    for (const t of [this.heartbeatTimer, this.backpressureTimer, this.authTimer, this.revocationTimer]) t.unref();
    // Revoked on any node of a cluster: close at once; the periodic check is the safety net.
    this.events.on('auth.key.revoked', ({ keyId }) => {
      for (const c of this.byWs.values()) if (c.principal.keyId === keyId) c.ws.close(CloseCode.CredentialsRevoked, 'API key revoked');
    });
  }

  onModuleDestroy(): void {
    for (const t of [this.heartbeatTimer, this.backpressureTimer, this.authTimer, this.revocationTimer]) clearInterval(t);
  }

  /** Warns connections whose token expires soon; closes those whose token has expired (4001). */
  expirySweep(now = Date.now()): void {
    const warnMs = this.config.env.AUTH_EXPIRY_WARNING_MS;
    for (const connection of this.byWs.values()) {
      const expiresAt = connection.principal.expiresAt;
      if (expiresAt === null) continue;
      if (now >= expiresAt) {
        connection.ws.close(CloseCode.AuthExpired, 'token expired');
      } else if (!connection.expiryWarned && expiresAt - now <= warnMs) {
        connection.expiryWarned = true;
        connection.send(this.encoder.message({ authExpiring: { expiresTimeUs: expiresAt * 1000 } }));
      }
    }
  }

  /** Closes connections whose API key was revoked (4003), also by another app instance. */
  async revocationSweep(): Promise<void> {
    const byKey = new Map<string, Connection[]>();
    for (const c of this.byWs.values()) if (c.principal.keyId) (byKey.get(c.principal.keyId) ?? byKey.set(c.principal.keyId, []).get(c.principal.keyId)!).push(c);
    if (byKey.size === 0) return;
    try {
      for (const keyId of await this.apiKeys.revokedAmong([...byKey.keys()])) {
        for (const c of byKey.get(keyId)!) c.ws.close(CloseCode.CredentialsRevoked, 'API key revoked');
      }
    } catch (error) {
      this.logger.warn(`revocation check failed: ${(error as Error).message}`);
    }
  }

  get size(): number {
    return this.byWs.size;
  }

  open(ws: WebSocket, request: IncomingMessage): Connection {
    const env = this.config.env;
    const encoding = encodingOf(ws.protocol);
    if (encoding === undefined) throw new Error(`connection without a supported subprotocol: "${ws.protocol}"`);
    const handshake = this.handshakes.get(request);
    const connection = new Connection(
      this.nextId++,
      ws,
      encoding,
      negotiatedDeflateWindowBits(handshake?.acceptedExtensions ?? ''),
      this.stats,
      {
        inbound: new InboundLimiter(env.INBOUND_MESSAGES_PER_SECOND, env.INBOUND_BURST, env.INBOUND_STRIKES_TO_CLOSE, 10_000, Date.now()),
        softLimitBytes: this.limits.softBytes,
        hardLimitBytes: this.limits.hardBytes,
        onBackpressure: (c) => this.applySlowConsumerPolicy(c),
        remoteAddress: handshake?.clientAddress,
      },
    );
    ws.on('pong', () => (connection.alive = true));
    connection.principal = handshake?.principal ?? connection.principal;
    this.byWs.set(ws, connection);
    if (connection.principal.keyId) this.keyConnections.opened(connection.principal.keyId, connection.id);
    const address = connection.remoteAddress;
    bump(this.perAddress, address, 1);
    this.stats.connectionsOpen = this.byWs.size;
    this.stats.connectionsTotal++;
    this.logger.log(
      `connection ${connection.id} open from ${address} protocol=${ws.protocol} ` +
        `deflate=${connection.deflateWindowBits || 'off'}`,
    );
    return connection;
  }

  /** Open connections from one remote address (for the per-address limit at the handshake). */
  connectionsFrom(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }

  all(): IterableIterator<Connection> {
    return this.byWs.values();
  }

  get(ws: WebSocket): Connection | undefined {
    return this.byWs.get(ws);
  }

  close(ws: WebSocket): Connection | undefined {
    const connection = this.byWs.get(ws);
    if (!connection) return undefined;
    this.byWs.delete(ws);
    this.degraded.delete(connection);
    bump(this.perAddress, connection.remoteAddress, -1);
    if (connection.principal.keyId) this.keyConnections.closed(connection.principal.keyId, connection.id);
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
    const idleMs = this.config.env.IDLE_TIMEOUT_MS;
    const now = Date.now();
    for (const connection of this.byWs.values()) {
      // Idle: subscribed to nothing and silent; a quiet subscriber is not idle.
      if (idleMs > 0 && connection.subscriptions.size === 0 && connection.auctions.size === 0 && now - connection.lastInboundAt > idleMs) {
        connection.ws.close(CloseCode.Idle, 'idle: no subscription and no message');
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
