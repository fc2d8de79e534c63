import type { FeedHealth } from '../events/event-bus';

export interface ClusterCounters {
  /** Tick-channel messages the active feed published (one per feed turn, heartbeats included). */
  tickPublishes: number;
  /** Tick-channel publishes Redis refused (unreachable): those ticks reached no other gateway. */
  tickPublishFailures: number;
  /** Cluster events not published (Redis unreachable); receivers recover them from PostgreSQL. */
  droppedEvents: number;
  /** Tick-channel messages this gateway could not decode. */
  malformedTickMessages: number;
}

/** What health checks and metrics need to know about this process's place in a cluster. */
export abstract class ClusterStatus {
  abstract readonly mode: 'single' | 'cluster';
  abstract readonly role: 'all' | 'feed' | 'gateway';
  abstract readonly nodeId: string;
  /** Redis reachable; always true for a single process (it has none). */
  abstract redisUp(): boolean;
  /** Whether this process's copy of the market is current (gateways), or null where there is no copy. */
  abstract feedHealth(): FeedHealth | null;
  /** Whether this process is the active feed (sequencer). */
  abstract isActiveFeed(): boolean;
  abstract counters(): ClusterCounters;
}
