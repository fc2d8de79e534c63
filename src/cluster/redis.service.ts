import { Logger } from '@nestjs/common';
import type { OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import type { AppConfig } from '../config/app-config';
import { clusterKeys } from './cluster-keys';
import type { ClusterKeys } from './cluster-keys';

type MessageHandler = (message: Buffer) => void;

/**
 * The cluster's two Redis connections: one for commands and publishes, one in subscriber
 * mode. Commands fail at once while Redis is unreachable (no offline queue): a tick or an
 * event that cannot be published is dropped, never queued without bound, and receivers
 * recover from the shared state (ticks) or PostgreSQL (auctions). Both reconnect by themselves.
 */
export class RedisService implements OnModuleDestroy {
  private readonly logger = new Logger(RedisService.name);
  readonly command: Redis;
  private readonly subscriber: Redis;
  readonly keys: ClusterKeys;
  readonly nodeId: string;
  private readonly handlers = new Map<string, MessageHandler>();
  private readonly upListeners: (() => void)[] = [];
  private wasUp = false;

  constructor(config: AppConfig, nodeId: string) {
    const url = config.env.REDIS_URL!;
    this.nodeId = nodeId;
    this.keys = clusterKeys(config.env.REDIS_PREFIX);
    const options = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectionName: `bidtape-${nodeId}`,
      retryStrategy: (times: number) => Math.min(50 * times, 1000),
    };
    this.command = new Redis(url, options);
    // The subscriber queues its SUBSCRIBE until connected, and re-subscribes after a reconnect.
    this.subscriber = new Redis(url, Object.assign({}, options, { enableOfflineQueue: true, maxRetriesPerRequest: null }));
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => this.handlers.get(channel.toString())?.(message));
    for (const client of [this.command, this.subscriber]) {
      client.on('error', () => undefined); // state changes are reported below; errors repeat while down
      client.on('ready', () => this.changed());
      client.on('close', () => this.changed());
    }
  }

  /** Both connections are ready. */
  get up(): boolean {
    return this.command.status === 'ready' && this.subscriber.status === 'ready';
  }

  /** Receives every message on `channel` (binary-safe). */
  listen(channel: string, handler: MessageHandler): void {
    this.handlers.set(channel, handler);
    void this.subscriber.subscribe(channel).catch((error: Error) => this.logger.warn(`subscribe ${channel}: ${error.message}`));
  }

  /** Called each time Redis becomes reachable again (also the first time). */
  onUp(listener: () => void): void {
    this.upListeners.push(listener);
    if (this.wasUp) listener();
  }

  async onModuleDestroy(): Promise<void> {
    this.handlers.clear();
    await Promise.allSettled([this.command.quit(), this.subscriber.quit()]);
    this.command.disconnect();
    this.subscriber.disconnect();
  }

  private changed(): void {
    const up = this.up;
    if (up === this.wasUp) return;
    this.wasUp = up;
    if (up) {
      this.logger.log('Redis reachable');
      for (const listener of this.upListeners) listener();
    } else {
      this.logger.warn('Redis unreachable; reconnecting');
    }
  }
}
