import { TokenBucket } from './token-bucket';

/**
 * Limits that must hold over every process of a cluster, not per process. Features ask these
 * interfaces; one process uses the in-memory versions below, a cluster the Redis-backed ones
 * (cluster/redis-limits.ts).
 */
export abstract class BidRateLimit {
  /** Whether this bidder may place one more bid now (over all of its connections). */
  abstract admit(bidderId: string, nowMs: number): Promise<boolean>;
}

export abstract class KeyConnectionCount {
  /** Live connections using this API key, on every gateway. */
  abstract count(keyId: string): Promise<number>;
  abstract opened(keyId: string, connectionId: number): void;
  abstract closed(keyId: string, connectionId: number): void;
}

/** Token bucket per bidder: BIDS_PER_SECOND_PER_BIDDER, bursts of twice that. */
export class LocalBidRateLimit extends BidRateLimit {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly ratePerSecond: number) {
    super();
  }

  admit(bidderId: string, nowMs: number): Promise<boolean> {
    let bucket = this.buckets.get(bidderId);
    if (!bucket) {
      if (this.buckets.size > 100_000) this.buckets.clear(); // bounded memory; a reset only forgives
      this.buckets.set(bidderId, (bucket = new TokenBucket(this.ratePerSecond, this.ratePerSecond * 2, nowMs)));
    }
    return Promise.resolve(bucket.take(nowMs));
  }
}

export class LocalKeyConnectionCount extends KeyConnectionCount {
  private readonly perKey = new Map<string, number>();

  count(keyId: string): Promise<number> {
    return Promise.resolve(this.perKey.get(keyId) ?? 0);
  }

  opened(keyId: string): void {
    this.perKey.set(keyId, (this.perKey.get(keyId) ?? 0) + 1);
  }

  closed(keyId: string): void {
    const left = (this.perKey.get(keyId) ?? 1) - 1;
    if (left > 0) this.perKey.set(keyId, left);
    else this.perKey.delete(keyId);
  }
}
