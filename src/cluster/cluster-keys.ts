/** Every Redis key and channel the cluster uses, under one prefix (docs/scaling.md lists them). */
export interface ClusterKeys {
  /** Pub/Sub: sequenced ticks, one binary message per feed turn (tick-channel.ts). */
  ticksChannel: string;
  /** Pub/Sub: cluster-scoped domain events, JSON. */
  eventsChannel: string;
  /** String: node id of the active feed, with a time-to-live (the lease). */
  feedLease: string;
  /** String: the active numbering's epoch. */
  epoch: string;
  /** Hash: symbol → newest `Tick` encoding of the current epoch (snapshots on any gateway). */
  latest: string;
  /** Hash: symbol → last `Trade` encoding of the current epoch. */
  latestTrades: string;
  /** Sorted set per API key: live connections (member node:connection, score = expiry ms). */
  keyConnections(keyId: string): string;
  /** Prefix of the bid-rate counters (rate-limiter-flexible). */
  bidRate: string;
}

export function clusterKeys(prefix: string): ClusterKeys {
  return {
    ticksChannel: `${prefix}:ticks`,
    eventsChannel: `${prefix}:events`,
    feedLease: `${prefix}:feed:lease`,
    epoch: `${prefix}:feed:epoch`,
    latest: `${prefix}:feed:latest`,
    latestTrades: `${prefix}:feed:trades`,
    keyConnections: (keyId) => `${prefix}:keyconns:${keyId}`,
    bidRate: `${prefix}:bidrate`,
  };
}
