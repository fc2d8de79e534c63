export type Side = 'buy' | 'sell';

/** One sequenced trade of a symbol. Price in minor units, size in size units. */
export interface Trade {
  symbol: string;
  /** Strictly increasing per symbol within one epoch, starting at 1; independent of quote seqs. */
  seq: number;
  tradeId: string;
  price: number;
  size: number;
  /** Which side crossed the spread. */
  side: Side;
  timestampUs: number;
}

export type TradeInput = Omit<Trade, 'seq'>;
