import { Injectable, Logger } from '@nestjs/common';
import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ApiKeysService } from '../../auth/api-keys.service';
import { AppConfig } from '../../config/app-config';
import { EventBus } from '../../events/event-bus';
import { CloseCode } from '../close-codes';
import type { Connection } from '../connection';
import { ConnectionRegistry } from '../connection-registry.service';
import { FrameEncoder } from '../wire/outbound';

const REVOCATION_CHECK_MS = 2000;

/**
 * Credentials after the handshake: warns connections whose token expires soon and closes
 * them when it has (4001); closes connections whose API key was revoked (4003) — at once when
 * the revocation is announced (on any node of a cluster), and by a periodic check of
 * PostgreSQL as the safety net.
 */
@Injectable()
export class CredentialsPolicy implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(CredentialsPolicy.name);
  private readonly timers: NodeJS.Timeout[] = [];
  private off?: () => void;

  constructor(
    private readonly config: AppConfig,
    private readonly connections: ConnectionRegistry,
    private readonly encoder: FrameEncoder,
    private readonly apiKeys: ApiKeysService,
    private readonly events: EventBus,
  ) {}

  onModuleInit(): void {
    this.timers.push(
      setInterval(() => this.expirySweep(this.connections.all(), Date.now()), 1000),
      setInterval(() => void this.revocationSweep(), REVOCATION_CHECK_MS),
    );
    this.timers.forEach((t) => t.unref());
    this.off = this.events.on('auth.key.revoked', ({ keyId }) => this.closeKey(this.connections.all(), keyId));
  }

  onModuleDestroy(): void {
    this.timers.forEach((t) => clearInterval(t));
    this.off?.();
  }

  /** Warns connections whose token expires soon; closes those whose token has expired (4001). */
  expirySweep(connections: Iterable<Connection>, now: number): void {
    const warnMs = this.config.env.AUTH_EXPIRY_WARNING_MS;
    for (const connection of connections) {
      const expiresAt = connection.principal.expiresAt;
      if (expiresAt === null) continue;
      if (now >= expiresAt) {
        connection.close(CloseCode.AuthExpired, 'token expired');
      } else if (!connection.expiryWarned && expiresAt - now <= warnMs) {
        connection.expiryWarned = true;
        connection.send(this.encoder.message({ authExpiring: { expiresTimeUs: expiresAt * 1000 } }));
      }
    }
  }

  closeKey(connections: Iterable<Connection>, keyId: string): void {
    for (const c of connections) if (c.principal.keyId === keyId) c.close(CloseCode.CredentialsRevoked, 'API key revoked');
  }

  private async revocationSweep(): Promise<void> {
    const keyIds = new Set<string>();
    for (const c of this.connections.all()) if (c.principal.keyId) keyIds.add(c.principal.keyId);
    if (keyIds.size === 0) return;
    try {
      for (const keyId of await this.apiKeys.revokedAmong([...keyIds])) this.closeKey(this.connections.all(), keyId);
    } catch (error) {
      this.logger.warn(`revocation check failed: ${(error as Error).message}`);
    }
  }
}
