import { Injectable } from '@nestjs/common';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { ClusterStatus } from '../cluster/cluster-status';
import type { ClusterCounters } from '../cluster/cluster-status';
import { StreamStats } from '../gateway/stream-stats';
import { Telemetry } from './telemetry';

type CounterField = {
  [K in keyof StreamStats]: StreamStats[K] extends number ? K : never;
}[keyof StreamStats];

/**
 * What `/metrics` serves: the standard process and Node.js metrics under their standard names,
 * the features' histograms and labelled counters (Telemetry), and the stream and cluster
 * counters, read from {@link StreamStats} and the cluster status at scrape time.
 */
@Injectable()
export class MetricsService {
  readonly registry: Registry;

  constructor(
    private readonly stats: StreamStats,
    private readonly cluster: ClusterStatus,
    telemetry: Telemetry,
  ) {
    this.registry = telemetry.registry;
    collectDefaultMetrics({ register: this.registry });
    reportNoEventLoopSampleAsZero(this.registry);
    this.gauge('bidtape_connections', 'Open WebSocket connections', () => stats.connectionsOpen);
    this.counter('bidtape_connections_total', 'WebSocket connections accepted', 'connectionsTotal');
    this.counter('bidtape_messages_in_total', 'Client messages received', 'messagesIn');
    this.counter('bidtape_messages_out_total', 'Server messages (frames) sent', 'messagesOut');
    this.counter('bidtape_sent_bytes_total', 'Bytes written to client sockets, frame headers included', 'bytesOut');
    this.counter('bidtape_conflated_updates_total', 'Tick updates replaced by a newer state instead of sent', 'conflatedUpdates');
    this.counter('bidtape_deflate_input_bytes_total', 'Payload bytes offered to permessage-deflate', 'deflateInputBytes');
    this.counter('bidtape_deflate_output_bytes_total', 'Payload bytes after permessage-deflate', 'deflateOutputBytes');
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
    this.clusterCounter('bidtape_cluster_tick_publishes_total', 'Tick-channel messages published to Redis by the active feed', 'tickPublishes');
    this.clusterCounter('bidtape_cluster_tick_publish_failures_total', 'Tick-channel publishes Redis refused', 'tickPublishFailures');
    this.clusterCounter('bidtape_cluster_dropped_events_total', 'Cluster events not published (Redis unreachable)', 'droppedEvents');
    this.clusterCounter('bidtape_cluster_malformed_tick_messages_total', 'Tick-channel messages that could not be decoded', 'malformedTickMessages');
    this.gauge('bidtape_cluster_redis_up', '1 when Redis is reachable (always 1 for a single process)', () => (cluster.redisUp() ? 1 : 0));
    this.gauge('bidtape_cluster_active_feed', '1 when this process is the active feed', () => (cluster.isActiveFeed() ? 1 : 0));
    this.gauge('bidtape_cluster_feed_live', '1 when this gateway\'s prices are current, 0 while stale', () => (cluster.feedHealth()?.state === 'stale' ? 0 : 1));
  }

  private clusterCounter(name: string, help: string, field: keyof ClusterCounters): void {
    this.counterReading(name, help, () => this.cluster.counters()[field]);
  }

  private counter(name: string, help: string, field: CounterField): void {
    this.counterReading(name, help, () => this.stats[field]);
  }

  /** A counter whose value is read at scrape time from a total kept elsewhere. */
  private counterReading(name: string, help: string, read: () => number): void {
    new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(read());
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

/**
 * prom-client's event-loop monitor is reset at each scrape; with no sample in between (a short
 * scrape interval) its minimum reads the empty histogram's value, 2^63 ns (9.2e9 s). The same
 * metric is served from a monitor of our own instead, reading 0 for an empty window.
 */
function reportNoEventLoopSampleAsZero(registry: Registry): void {
  registry.removeSingleMetric('nodejs_eventloop_lag_min_seconds');
  const monitor = monitorEventLoopDelay({ resolution: 10 });
  monitor.enable();
  new Gauge({
    name: 'nodejs_eventloop_lag_min_seconds',
    help: 'The minimum recorded event loop delay (0 when none was recorded since the last scrape).',
    registers: [registry],
    collect() {
      this.set(monitor.count > 0 ? monitor.min / 1e9 : 0);
      monitor.reset();
    },
  });
}
