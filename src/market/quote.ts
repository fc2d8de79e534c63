/** One published top-of-book state of a symbol. Prices and sizes are integer minor units. */
export interface Quote {
  symbol: string;
  /** Strictly increasing per symbol within one epoch, starting at 1. */
  seq: number;
  bidPrice: number;
  askPrice: number;
  bidSize: number;
  askSize: number;
  lastPrice: number;
  timestampUs: number;
  /**
   * The `Tick` encoding (first_seq = seq) made by the sequencer, when it came from another
   * process: the fan-out sends these bytes instead of encoding the tick again.
   */
  readonly wire?: Uint8Array;
}

export type QuoteInput = Omit<Quote, 'seq' | 'timestampUs' | 'wire'>;

export interface InstrumentInfo {
  symbol: string;
  displayName: string;
  priceScale: number;
  tickSize: number;
  sizeScale: number;
  lotSize: number;
  quoteCurrency: string;
  /** What its candles are built from: trades, or (instruments without trades) quotes' last prices. */
  candleSource: 'trades' | 'quotes';
}

/** Who may publish an instrument's prices: the simulator, a replayed recording, or one publisher's API key id. */
export type PriceSource = 'simulator' | 'replay' | { keyId: string };

export function sourceName(source: PriceSource): string {
  return typeof source === 'string' ? source : `key:${source.keyId}`;
}

export function parseSource(name: string): PriceSource {
  if (name.startsWith('key:')) return { keyId: name.slice(4) };
  return name === 'replay' ? 'replay' : 'simulator';
}

/** Current wall-clock time in integer microseconds since the epoch. */
export function nowMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}
