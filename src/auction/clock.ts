import { Injectable } from '@nestjs/common';

/**
 * The one clock auction state is decided by: a bid's receive time, when an auction opens and
 * closes, the status a view reports. The database is only told times, never asked for
 * `now()`, so a node's decisions and what it stores can never disagree.
 */
@Injectable()
export class Clock {
  /** Milliseconds since the epoch. */
  now(): number {
    return Date.now();
  }
}
