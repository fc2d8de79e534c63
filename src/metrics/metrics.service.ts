import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { StreamStats } from '../gateway/stream-stats';

type CounterField = {
  [K in keyof StreamStats]: StreamStats[K] extends number ? K : never;
}[keyof StreamStats];

/** Prometheus view of the stream counters, read from {@link StreamStats} at scrape time. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  constructor(private readonly stats: StreamStats) {
    collectDefaultMetrics({ register: this.registry, prefix: 'bidtape_' });
    this.gauge('bidtape_connections', 'Open WebSocket connections', () => stats.connectionsOpen);
    this.counter('bidtape_connections_total', 'WebSocket connections accepted', 'connectionsTotal');
    this.counter('bidtape_messages_in_total', 'Client messages received', 'messagesIn');
    this.counter('bidtape_messages_out_total', 'Server messages (frames) sent', 'messagesOut');
    this.counter('bidtape_bytes_out_total', 'Bytes written to client sockets, frame headers included', 'bytesOut');
    this.counter('bidtape_conflated_updates_total', 'Tick updates replaced by a newer state instead of sent', 'conflatedUpdates');
    this.counter('bidtape_deflate_input_bytes_total', 'Payload bytes offered to permessage-deflate', 'deflateInputBytes');
    this.counter('bidtape_deflate_output_bytes_total', 'Payload bytes after permessage-deflate', 'deflateOutputBytes');
    this.gauge('bidtape_compression_ratio', 'Deflate input bytes / output bytes since start (0 before any)', () =>
      stats.deflateOutputBytes ? stats.deflateInputBytes / stats.deflateOutputBytes : 0,
    );
    this.counter('bidtape_client_errors_total', 'Client messages answered with an Error', 'clientErrors');
    this.counter('bidtape_dead_connections_reaped_total', 'Connections terminated for missing pongs', 'deadConnectionsReaped');
    this.counter('bidtape_rate_limited_messages_total', 'Client messages refused by the inbound rate limit', 'rateLimited');
    this.counter('bidtape_rate_limit_closes_total', 'Connections closed (4029) for sustained excess messages', 'rateLimitCloses');
    this.counter('bidtape_handshakes_refused_total', 'WebSocket handshakes refused', 'handshakesRefused');
    const slow = new Counter({
      name: 'bidtape_slow_consumer_actions_total',
      help: 'Slow-consumer actions by kind: warn (conflated harder), recover, close',
      labelNames: ['action'],
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc({ action: 'warn' }, stats.slowConsumerWarnings);
        this.inc({ action: 'recover' }, stats.slowConsumerRecoveries);
        this.inc({ action: 'close' }, stats.slowConsumerCloses);
      },
    });
    void slow;
  }

  private counter(name: string, help: string, field: CounterField): void {
    const stats = this.stats;
    new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(stats[field]);
      },
    });
  }

  private gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }
}
