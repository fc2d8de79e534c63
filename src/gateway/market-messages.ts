import { CANDLE_INTERVALS } from '../market/candles';
import type { Candle, CandleInterval } from '../market/candles';
import type { PublishItems, PublishOutcome } from '../market/ingest.service';
import type { PublishRejectCode } from '../market/publish-rules';
import type { InstrumentInfo, Quote } from '../market/quote';
import type { Side, Trade } from '../market/trade';
import type { bidtape } from '../generated/bidtape';
import { pb } from './wire/messages';
import type { ServerMessageInit } from './wire/messages';

/** The one mapping between the market's types and the wire's messages and enums. */

export function instrumentMessage(i: InstrumentInfo): bidtape.v1.IInstrument {
  return {
    symbol: i.symbol, displayName: i.displayName, priceScale: i.priceScale, tickSize: i.tickSize, sizeScale: i.sizeScale,
    lotSize: i.lotSize, quoteCurrency: i.quoteCurrency,
    candleSource: i.candleSource === 'trades' ? pb.CandleSource.CANDLE_SOURCE_TRADES : pb.CandleSource.CANDLE_SOURCE_QUOTES,
  };
}

/** A quote as a `Tick`; `firstSeq` below `seq` says the tick conflates the updates since it. */
export function tickMessage(quote: Quote, firstSeq: number) {
  return {
    symbol: quote.symbol,
    seq: quote.seq,
    firstSeq,
    bidPrice: quote.bidPrice,
    askPrice: quote.askPrice,
    bidSize: quote.bidSize,
    askSize: quote.askSize,
    lastPrice: quote.lastPrice,
    timestampUs: quote.timestampUs,
  };
}

const tickEncodings = new WeakMap<Quote, Uint8Array>();

/**
 * A quote's `Tick` encoding with first_seq = seq, made once for whoever asks first: the
 * fan-out to every-update subscribers, and the feed's tick channel on a process that is both.
 * A tick that came from the channel brings its own (`wire`).
 */
export function tickBytes(quote: Quote): Uint8Array {
  if (quote.wire) return quote.wire;
  let bytes = tickEncodings.get(quote);
  if (!bytes) tickEncodings.set(quote, (bytes = pb.Tick.encode(tickMessage(quote, quote.seq)).finish()));
  return bytes;
}

export function tradeMessage(t: Trade): bidtape.v1.ITrade {
  return {
    symbol: t.symbol, seq: t.seq, tradeId: t.tradeId, price: t.price, size: t.size, timestampUs: t.timestampUs,
    aggressorSide: t.side === 'buy' ? pb.Side.SIDE_BUY : pb.Side.SIDE_SELL,
  };
}

export function candleMessage(c: Candle): bidtape.v1.ICandle {
  return {
    symbol: c.symbol, interval: intervalEnum(c.interval), startTimeUs: c.startUs, open: c.open, high: c.high, low: c.low,
    close: c.close, volume: c.volume, count: c.count, closed: c.closed,
  };
}

export function intervalEnum(interval: CandleInterval): bidtape.v1.CandleInterval {
  switch (interval) {
    case '1s': return pb.CandleInterval.CANDLE_INTERVAL_1S;
    case '1m': return pb.CandleInterval.CANDLE_INTERVAL_1M;
    case '5m': return pb.CandleInterval.CANDLE_INTERVAL_5M;
    case '1h': return pb.CandleInterval.CANDLE_INTERVAL_1H;
    case '1d': return pb.CandleInterval.CANDLE_INTERVAL_1D;
  }
}

/** The interval an enum value names; null for UNSPECIFIED or an unknown value. */
export function intervalOf(value: bidtape.v1.CandleInterval | null | undefined): CandleInterval | null {
  return CANDLE_INTERVALS.find((interval) => intervalEnum(interval) === value) ?? null;
}

function sideOf(value: bidtape.v1.Side | null | undefined): Side | null {
  if (value === pb.Side.SIDE_BUY) return 'buy';
  if (value === pb.Side.SIDE_SELL) return 'sell';
  return null;
}

export function publishItemsOf(request: bidtape.v1.IPublishRequest): PublishItems {
  return {
    quotes: (request.quotes ?? []).map((q) => ({
      symbol: q.symbol ?? '', bidPrice: Number(q.bidPrice ?? 0), askPrice: Number(q.askPrice ?? 0),
      bidSize: Number(q.bidSize ?? 0), askSize: Number(q.askSize ?? 0), timestampUs: Number(q.timestampUs ?? 0),
    })),
    trades: (request.trades ?? []).map((t) => ({
      symbol: t.symbol ?? '', tradeId: t.tradeId ?? '', price: Number(t.price ?? 0), size: Number(t.size ?? 0),
      side: sideOf(t.aggressorSide), timestampUs: Number(t.timestampUs ?? 0),
    })),
  };
}

function rejectReason(code: PublishRejectCode): bidtape.v1.PublishRejectReason {
  const R = pb.PublishRejectReason;
  switch (code) {
    case 'UNKNOWN_SYMBOL': return R.PUBLISH_REJECT_REASON_UNKNOWN_SYMBOL;
    case 'NOT_PERMITTED': return R.PUBLISH_REJECT_REASON_NOT_PERMITTED;
    case 'NOT_ACTIVE_SOURCE': return R.PUBLISH_REJECT_REASON_NOT_ACTIVE_SOURCE;
    case 'OFF_TICK': return R.PUBLISH_REJECT_REASON_OFF_TICK;
    case 'OFF_LOT': return R.PUBLISH_REJECT_REASON_OFF_LOT;
    case 'NOT_POSITIVE': return R.PUBLISH_REJECT_REASON_NOT_POSITIVE;
    case 'CROSSED': return R.PUBLISH_REJECT_REASON_CROSSED;
    case 'BAD_TIMESTAMP': return R.PUBLISH_REJECT_REASON_BAD_TIMESTAMP;
    case 'OUT_OF_BOUNDS': return R.PUBLISH_REJECT_REASON_OUT_OF_BOUNDS;
    case 'MISSING_FIELD': return R.PUBLISH_REJECT_REASON_MISSING_FIELD;
    case 'UNAVAILABLE': return R.PUBLISH_REJECT_REASON_UNAVAILABLE;
  }
}

export function publishAck(requestId: number, outcome: PublishOutcome): ServerMessageInit {
  return {
    publishAck: {
      requestId,
      accepted: outcome.accepted,
      rejected: outcome.rejected.map((r) => ({
        kind: r.kind === 'quote' ? pb.PublishItemKind.PUBLISH_ITEM_KIND_QUOTE : pb.PublishItemKind.PUBLISH_ITEM_KIND_TRADE,
        index: r.index, reason: rejectReason(r.code), message: r.message,
      })),
    },
  };
}
