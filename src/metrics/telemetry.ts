import { Global, Injectable, Module } from '@nestjs/common';
import { Counter, Histogram, Registry } from 'prom-client';

const SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * The measurements features record as they work (histograms and labelled counters), on the one
 * registry `/metrics` serves. Names follow Prometheus conventions: `_total` counters, base
 * units in the name (`_seconds`, `_bytes`). Scrape-time readings of other counters are added
 * by MetricsService.
 */
@Injectable()
export class Telemetry {
  readonly registry = new Registry();

  /** Every PlaceBid answered, by outcome (accepted, rejected) and reject reason ('' when accepted). */
  readonly bids = new Counter({
    name: 'bidtape_bids_total',
    help: 'Bids answered, by outcome and reject reason',
    labelNames: ['outcome', 'reason'] as const,
    registers: [this.registry],
  });

  readonly bidBatchSize = new Histogram({
    name: 'bidtape_bid_batch_size',
    help: 'Bids decided per group-commit transaction',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [this.registry],
  });

  readonly bidCommitSeconds = new Histogram({
    name: 'bidtape_bid_commit_duration_seconds',
    help: 'Duration of one bid batch transaction (lock, plan, write, commit)',
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });

  readonly bidAckSeconds = new Histogram({
    name: 'bidtape_bid_ack_duration_seconds',
    help: 'From a PlaceBid received to its answer written (BidAccepted or BidRejected)',
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });

  readonly fanoutDelaySeconds = new Histogram({
    name: 'bidtape_fanout_delay_seconds',
    help: "From a tick's timestamp (its sequencing, or a publisher's source time) to its frame written to the unthrottled subscribers",
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });

  readonly publishedItems = new Counter({
    name: 'bidtape_published_items_total',
    help: "Publishers' items, by kind (quote, trade) and outcome (accepted, or the reject reason)",
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });
}

@Global()
@Module({ providers: [Telemetry], exports: [Telemetry] })
export class TelemetryModule {}
