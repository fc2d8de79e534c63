import { pb } from '../gateway/wire/messages';
import type { Quote } from '../market/quote';
import type { Trade } from '../market/trade';
import { tickBytes as encodeTick } from '../gateway/market-messages';
import { decodeTickMessage, encodeTickMessage, encodeTrade } from './tick-channel';

const quote = (symbol: string, seq: number): Quote => ({
  symbol, seq, bidPrice: 6_712_300 + seq, askPrice: 6_712_400 + seq, bidSize: 5, askSize: 7, lastPrice: 6_712_350 + seq, timestampUs: 1_796_000_000_000_000 + seq,
});

describe('tick channel', () => {
  it('round-trips origin, epoch and every tick with its exact bytes', () => {
    const ticks = [quote('BTC-USD', 1), quote('ETH-USD', 1), quote('BTC-USD', 2)];
    const encoded = ticks.map(encodeTick);
    const message = decodeTickMessage(encodeTickMessage('feed-1', 'epoch-a', encoded));
    expect(message.origin).toBe('feed-1');
    expect(message.epoch).toBe('epoch-a');
    expect(message.ticks.map(({ wire: _wire, ...quote }) => quote)).toEqual(ticks);
    expect(message.ticks.map((t) => Buffer.from(t.wire!))).toEqual(encoded.map((b) => Buffer.from(b)));
  });

  it('carries ticks the gateway can send as they are: first_seq = seq', () => {
    const [tick] = decodeTickMessage(encodeTickMessage('f', 'e', [encodeTick(quote('AAPL', 41))])).ticks;
    expect(pb.Tick.decode(tick.wire!)).toMatchObject({ symbol: 'AAPL', seq: 41, firstSeq: 41 });
  });

  it('encodes the tail as a valid TickBatch', () => {
    const data = encodeTickMessage('node', 'epoch', [encodeTick(quote('AAPL', 1)), encodeTick(quote('AAPL', 2))]);
    const tail = data.subarray(1 + 1 + 'node'.length + 1 + 'epoch'.length);
    expect(pb.TickBatch.decode(tail).ticks.map((t) => t.seq)).toEqual([1, 2]);
  });

  it('carries the trades of the burst after its ticks', () => {
    const trades: Trade[] = [
      { symbol: 'BTC-USD', seq: 7, tradeId: 'sim-1', price: 6_712_350, size: 3000, side: 'buy', timestampUs: 1_796_000_000_000_001 },
      { symbol: 'ETH-USD', seq: 2, tradeId: 'x', price: 350_000, size: 100_000, side: 'sell', timestampUs: 1_796_000_000_000_002 },
    ];
    const message = decodeTickMessage(encodeTickMessage('f', 'e', [encodeTick(quote('AAPL', 1))], trades.map(encodeTrade)));
    expect(message.ticks.map((t) => t.seq)).toEqual([1]);
    expect(message.trades).toEqual(trades);
  });

  it('encodes a tick once for the channel and the fan-out alike, and reuses the bytes a tick came with', () => {
    const local = quote('AAPL', 7);
    const first = encodeTick(local);
    expect(encodeTick(local)).toBe(first); // the same bytes, not encoded again
    expect(encodeTick({ ...local })).not.toBe(first); // another quote, its own encoding
    const [received] = decodeTickMessage(encodeTickMessage('f', 'e', [first])).ticks;
    expect(encodeTick(received)).toBe(received.wire);
  });

  it('is an empty heartbeat when no tick was sequenced', () => {
    expect(decodeTickMessage(encodeTickMessage('f', 'e', [])).ticks).toEqual([]);
  });

  it.each([
    ['an unknown version', Buffer.from([2, 1, 0x66, 1, 0x65])],
    ['a truncated header', Buffer.from([1, 9, 0x66])],
    ['a foreign field', Buffer.concat([encodeTickMessage('f', 'e', []), Buffer.from([0x1a, 0])])],
    ['a truncated tick', Buffer.concat([encodeTickMessage('f', 'e', []), Buffer.from([0x0a, 40, 1, 2])])],
  ])('refuses %s', (_what, data) => {
    expect(() => decodeTickMessage(data)).toThrow(/tick channel/);
  });
});
