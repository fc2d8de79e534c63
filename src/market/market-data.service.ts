import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EventBus } from '../events/event-bus';
import { nowMicros } from './quote';
import type { Quote, QuoteInput } from './quote';

/**
 * The latest state of every symbol and the one place sequence numbers are assigned.
 * Publishing stamps seq and time, keeps the state for snapshots and emits `tick.published`.
 */
@Injectable()
export class MarketDataService {
  /** Changes on every start: sequence numbers restart at 1 with a new epoch. */
  readonly epoch = randomUUID();
  private readonly latestBySymbol = new Map<string, Quote>();

  constructor(private readonly events: EventBus) {}

  publish(input: QuoteInput): Quote {
    const previous = this.latestBySymbol.get(input.symbol);
    const quote: Quote = { ...input, seq: (previous?.seq ?? 0) + 1, timestampUs: nowMicros() };
    this.latestBySymbol.set(quote.symbol, quote);
    this.events.emit('tick.published', quote);
    return quote;
  }

  latest(symbol: string): Quote | undefined {
    return this.latestBySymbol.get(symbol);
  }
}
