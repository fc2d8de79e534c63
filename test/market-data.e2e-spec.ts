import '../src/gateway/wire/protobuf-numbers';
import { bidtape } from '../src/generated/bidtape';
import { nowMicros } from '../src/market/quote';
import { docRow, protoComment } from './support/contract-text';
import { admin, freshSymbol, publisherFor } from './support/market';
import { pollUntil } from './support/poll';
import { quoteFor, startTestPlatform } from './support/platform';
import type { TestPlatform } from './support/platform';
import { StreamClient } from './support/stream-client';

const pb = bidtape.v1;
const R = pb.PublishRejectReason;
const Channel = pb.Channel;
const SECOND = 1_000_000;
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('real market data: publishers, trades and candles (real PostgreSQL, real sockets)', () => {
  let platform: TestPlatform;
  const clients: StreamClient[] = [];
  const connect = async (headers: Record<string, string> = {}, protocol = 'bidtape.v1.proto') => {
    const client = await StreamClient.connect(platform.wsUrl, protocol, { headers });
    clients.push(client);
    return client;
  };
  /** A fresh instrument whose source is a new publisher key, and a connection watching it unthrottled. */
  const watchedInstrument = async (channels: bidtape.v1.Channel[] = [Channel.CHANNEL_QUOTES]) => {
    const symbol = freshSymbol();
    const { key } = await publisherFor(platform.url, symbol);
    const watcher = await connect();
    watcher.send({ subscribe: { symbols: [symbol], maxRate: 0, channels } });
    await watcher.waitFor('snapshot');
    return { symbol, key, watcher };
  };
  const ackOf = async (client: StreamClient, id: number) =>
    pollUntil(`PublishAck ${id}`, () => client.of('publishAck').find((m) => m.publishAck!.requestId === id)?.publishAck ?? undefined);

  beforeAll(async () => {
    platform = await startTestPlatform({ PUBLISH_MAX_SKEW_MS: '10000', MAX_PUBLISH_ITEMS: '50' });
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  afterAll(() => platform.stop());

  it("delivers a publisher's quotes and trades with server-assigned seqs, through the same path as simulated ones", async () => {
    const symbol = freshSymbol();
    const { key } = await publisherFor(platform.url, symbol);
    const watcher = await connect();
    watcher.send({ subscribe: { symbols: [symbol], maxRate: 0, channels: [Channel.CHANNEL_QUOTES, Channel.CHANNEL_TRADES] } });
    const ack = (await watcher.waitFor('subscribeAck')).subscribeAck!;
    expect(ack.channels).toEqual([Channel.CHANNEL_QUOTES, Channel.CHANNEL_TRADES]);
    const snapshot = (await watcher.waitFor('snapshot')).snapshot!.symbols![0];
    expect(snapshot.instrument).toMatchObject({ symbol, tickSize: 5, lotSize: 10 });
    expect(snapshot.latest ?? null).toBeNull();

    const publisher = await connect({ 'x-api-key': key });
    const at = nowMicros();
    const id = publisher.send({
      publish: {
        quotes: [
          { symbol, bidPrice: 1000, askPrice: 1010, bidSize: 50, askSize: 70, timestampUs: at },
          { symbol, bidPrice: 1005, askPrice: 1010, bidSize: 50, askSize: 70 },
        ],
        trades: [
          { symbol, tradeId: 'x-1', price: 1010, size: 20, aggressorSide: pb.Side.SIDE_BUY, timestampUs: at },
          { symbol, tradeId: 'x-2', price: 1005, size: 10, aggressorSide: pb.Side.SIDE_SELL },
        ],
      },
    });
    expect(await ackOf(publisher, id)).toMatchObject({ accepted: 4, rejected: [] });
    await pollUntil('the ticks and trades', () => watcher.ticks(symbol).length === 2 && watcher.trades(symbol).length === 2);
    const ticks = watcher.ticks(symbol);
    expect(ticks.map((t) => [t.seq, t.bidPrice, t.askPrice])).toEqual([[1, 1000, 1010], [2, 1005, 1010]]);
    expect(ticks[0].timestampUs).toBe(at); // the source's time is kept
    expect(ticks[0].lastPrice).toBe(1005); // no trade yet: the mid, on the tick
    expect(watcher.trades(symbol).map((t) => [t.seq, t.tradeId, t.price, t.size, t.aggressorSide])).toEqual([
      [1, 'x-1', 1010, 20, pb.Side.SIDE_BUY],
      [2, 'x-2', 1005, 10, pb.Side.SIDE_SELL],
    ]);

    // A later subscriber's snapshot has the newest quote and the last trade.
    const late = await connect();
    late.send({ subscribe: { symbols: [symbol], channels: [Channel.CHANNEL_QUOTES, Channel.CHANNEL_TRADES] } });
    const later = (await late.waitFor('snapshot')).snapshot!.symbols![0];
    expect([later.latest!.seq, later.lastTrade!.seq, later.lastTrade!.tradeId]).toEqual([2, 2, 'x-2']);
  });

  it('refuses every kind of invalid item with its code and delivers none of them', async () => {
    const { symbol, key, watcher } = await watchedInstrument([Channel.CHANNEL_QUOTES, Channel.CHANNEL_TRADES]);
    const publisher = await connect({ 'x-api-key': key });
    const good = { symbol, bidPrice: 1000, askPrice: 1010, bidSize: 50, askSize: 70 };
    const quotes: [bidtape.v1.IPublishedQuote, number][] = [
      [{ ...good, symbol: 'NOPE-NOPE' }, R.PUBLISH_REJECT_REASON_UNKNOWN_SYMBOL],
      [{ ...good, symbol: undefined }, R.PUBLISH_REJECT_REASON_UNKNOWN_SYMBOL],
      [{ ...good, symbol: 'AAPL' }, R.PUBLISH_REJECT_REASON_NOT_PERMITTED],
      [{ ...good, bidPrice: 1001 }, R.PUBLISH_REJECT_REASON_OFF_TICK],
      [{ ...good, askSize: 75 }, R.PUBLISH_REJECT_REASON_OFF_LOT],
      [{ ...good, bidPrice: 0 }, R.PUBLISH_REJECT_REASON_NOT_POSITIVE],
      [{ ...good, askPrice: undefined }, R.PUBLISH_REJECT_REASON_NOT_POSITIVE],
      [{ ...good, bidSize: -50 }, R.PUBLISH_REJECT_REASON_NOT_POSITIVE],
      [{ ...good, bidPrice: 1020 }, R.PUBLISH_REJECT_REASON_CROSSED],
      [{ ...good, timestampUs: nowMicros() - 60 * SECOND }, R.PUBLISH_REJECT_REASON_BAD_TIMESTAMP],
      [{ ...good, askPrice: 10 ** 15 + 5 }, R.PUBLISH_REJECT_REASON_OUT_OF_BOUNDS],
    ];
    const trade = { symbol, tradeId: 't', price: 1000, size: 10, aggressorSide: pb.Side.SIDE_BUY };
    const trades: [bidtape.v1.IPublishedTrade, number][] = [
      [{ ...trade, tradeId: '' }, R.PUBLISH_REJECT_REASON_MISSING_FIELD],
      [{ ...trade, aggressorSide: pb.Side.SIDE_UNSPECIFIED }, R.PUBLISH_REJECT_REASON_MISSING_FIELD],
      [{ ...trade, size: 15 }, R.PUBLISH_REJECT_REASON_OFF_LOT],
    ];
    const id = publisher.send({ publish: { quotes: [...quotes.map(([q]) => q), good], trades: trades.map(([t]) => t) } });
    const ack = await ackOf(publisher, id);
    expect(ack.accepted).toBe(1); // only the last, valid quote
    expect(ack.rejected!.map((r) => [r.kind, r.index, r.reason])).toEqual([
      ...quotes.map(([, reason], index) => [pb.PublishItemKind.PUBLISH_ITEM_KIND_QUOTE, index, reason]),
      ...trades.map(([, reason], index) => [pb.PublishItemKind.PUBLISH_ITEM_KIND_TRADE, index, reason]),
    ]);
    for (const r of ack.rejected!) expect(r.message).toBeTruthy();
    await pollUntil('the valid quote', () => watcher.ticks(symbol).length === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(watcher.ticks(symbol).map((t) => [t.seq, t.bidPrice])).toEqual([[1, 1000]]);
    expect(watcher.trades(symbol)).toEqual([]);

    // A value that is not an integer makes the whole request malformed, before any item is judged.
    const json = await connect({ 'x-api-key': key }, 'bidtape.v1.json');
    json.ws.send(JSON.stringify({ id: 9, publish: { quotes: [{ ...good, bidPrice: 1000.5 }, good] } }));
    expect((await json.waitFor('error')).error).toMatchObject({ requestId: 9, code: pb.ErrorCode.ERROR_CODE_MALFORMED_MESSAGE });
    // The .proto and protocol.md say the same of what was met here.
    const documented: [string, string[]][] = [
      ['PUBLISH_REJECT_REASON_UNKNOWN_SYMBOL', ['no symbol']],
      ['PUBLISH_REJECT_REASON_NOT_POSITIVE', ['zero', 'absent', 'negative', 'not an integer', 'malformed', 'MALFORMED_PUBLISH', 'ERROR_CODE_MALFORMED_MESSAGE']],
    ];
    for (const [reason, words] of documented) {
      for (const text of [protoComment('PublishRejectReason', reason), docRow('protocol.md', reason)]) expect(words.filter((w) => !text.includes(w))).toEqual([]);
    }
    expect(watcher.ticks(symbol)).toHaveLength(1);
  });

  it('delivers a locked quote (ask equal to bid), which Tick.ask_price allows, and refuses a crossed one', async () => {
    const { symbol, key, watcher } = await watchedInstrument();
    const publisher = await connect({ 'x-api-key': key });
    const quote = { symbol, bidSize: 10, askSize: 10 };
    const id = publisher.send({ publish: { quotes: [{ ...quote, bidPrice: 1005, askPrice: 1005 }, { ...quote, bidPrice: 1010, askPrice: 1005 }] } });
    expect((await ackOf(publisher, id)).rejected!.map((r) => [r.index, r.reason])).toEqual([[1, R.PUBLISH_REJECT_REASON_CROSSED]]);
    await pollUntil('the locked quote', () => watcher.ticks(symbol).length === 1);
    expect(watcher.ticks(symbol).map((t) => [t.bidPrice, t.askPrice])).toEqual([[1005, 1005]]);
    expect(protoComment('Tick', 'ask_price')).toContain('At least bid_price');
    expect(docRow('protocol.md', 'PUBLISH_REJECT_REASON_CROSSED')).toContain('equal is allowed');
  });

  it('refuses publishers without the scope, and items for symbols the key is not the source of', async () => {
    const symbol = freshSymbol();
    await publisherFor(platform.url, symbol);
    const reader = (await (await admin(platform.url, 'POST', '/keys', { name: 'reader', scopes: ['feed:read'] })).json()) as { key: string };
    const readerSocket = await connect({ 'x-api-key': reader.key });
    const refused = readerSocket.send({ publish: { quotes: [{ symbol, bidPrice: 1000, askPrice: 1010, bidSize: 10, askSize: 10 }] } });
    expect((await readerSocket.waitFor('error')).error).toMatchObject({ requestId: refused, code: pb.ErrorCode.ERROR_CODE_FORBIDDEN });
    const dev = await StreamClient.connect(`${platform.wsUrl}?bidder=not-a-publisher`);
    clients.push(dev);
    dev.send({ publish: { quotes: [{ symbol, bidPrice: 1000, askPrice: 1010, bidSize: 10, askSize: 10 }] } });
    expect((await dev.waitFor('error')).error!.code).toBe(pb.ErrorCode.ERROR_CODE_FORBIDDEN);

    // A key allowed the symbol, while the symbol's active source is another key.
    const other = (await (await admin(platform.url, 'POST', '/keys', { name: 'other', scopes: ['feed:publish'], publishSymbols: [symbol] })).json()) as { key: string };
    const otherSocket = await connect({ 'x-api-key': other.key });
    const id = otherSocket.send({ publish: { quotes: [{ symbol, bidPrice: 1000, askPrice: 1010, bidSize: 10, askSize: 10 }] } });
    expect((await ackOf(otherSocket, id)).rejected![0].reason).toBe(R.PUBLISH_REJECT_REASON_NOT_ACTIVE_SOURCE);
    // Making a key the source needs it to be a feed:publish key for that symbol.
    const wrong = await admin(platform.url, 'PUT', `/instruments/AAPL/source`, { source: 'publisher', keyId: (await (await admin(platform.url, 'GET', '/keys')).json() as { id: string }[])[0].id });
    expect(await wrong.json()).toMatchObject({ statusCode: 400, code: 'INVALID_SOURCE' });
  });

  it('takes the same PublishRequest over REST as JSON and as binary protobuf, with documented refusals', async () => {
    const { symbol, key, watcher } = await watchedInstrument();
    const post = (body: string | Uint8Array, type: string, headers: Record<string, string> = { 'x-api-key': key }) =>
      fetch(`${platform.url}/v1/publish`, { method: 'POST', headers: { 'content-type': type, ...headers }, body: typeof body === 'string' ? body : Buffer.from(body) });

    const json = await post(JSON.stringify({ quotes: [{ symbol, bidPrice: '1000', askPrice: 1005, bidSize: 10, askSize: 10 }, { symbol, bidPrice: 3, askPrice: 5, bidSize: 10, askSize: 10 }] }), 'application/json');
    expect(json.status).toBe(200);
    expect(await json.json()).toMatchObject({ accepted: 1, rejected: [{ kind: 'PUBLISH_ITEM_KIND_QUOTE', index: 1, reason: 'PUBLISH_REJECT_REASON_OFF_TICK' }] });
    const binaryBody = pb.PublishRequest.encode({ quotes: [{ symbol, bidPrice: 1005, askPrice: 1010, bidSize: 10, askSize: 10 }] }).finish();
    const binary = await post(binaryBody, 'application/x-protobuf');
    expect([binary.status, binary.headers.get('content-type')]).toEqual([200, 'application/x-protobuf']);
    expect(pb.PublishAck.decode(new Uint8Array(await binary.arrayBuffer()))).toMatchObject({ accepted: 1 });
    await pollUntil('both quotes', () => watcher.ticks(symbol).length === 2);
    expect(watcher.ticks(symbol).map((t) => [t.seq, t.bidPrice])).toEqual([[1, 1000], [2, 1005]]);

    expect(await (await post('{}', 'application/json', {})).json()).toMatchObject({ statusCode: 401, code: 'CREDENTIALS_REQUIRED' });
    const reader = (await (await admin(platform.url, 'POST', '/keys', { name: 'reader', scopes: ['feed:read'] })).json()) as { key: string };
    expect(await (await post('{}', 'application/json', { 'x-api-key': reader.key })).json()).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
    const many = { quotes: Array.from({ length: 51 }, () => ({ symbol, bidPrice: 1000, askPrice: 1005, bidSize: 10, askSize: 10 })) };
    expect(await (await post(JSON.stringify(many), 'application/json')).json()).toMatchObject({ statusCode: 400, code: 'TOO_MANY_ITEMS' });
    const malformed = await (await post(JSON.stringify({ quotes: [{ symbol, bidPrice: 1.5 }] }), 'application/json')).json() as { code: string; message: string };
    expect(malformed).toMatchObject({ code: 'MALFORMED_PUBLISH' });
    expect(malformed.message).toContain('bidPrice');
    expect(await (await post(Buffer.from([0xff, 0xff, 0xff]), 'application/x-protobuf')).json()).toMatchObject({ statusCode: 400, code: 'MALFORMED_PUBLISH' });
    // JSON that is not an object, and bodies in neither encoding, are not a PublishRequest either (not an empty one).
    for (const [body, type] of [['[]', 'application/json'], ['[{"quotes":[]}]', 'application/json'], ['quotes=1', 'application/x-www-form-urlencoded'], ['{}', 'text/plain']]) {
      const refused = await post(body, type);
      expect([type, body, refused.status, await refused.json()]).toEqual([type, body, 400, expect.objectContaining({ code: 'MALFORMED_PUBLISH' })]);
    }
    expect(await (await post('', 'application/json')).json()).toEqual({ requestId: 0, accepted: 0 }); // no body: the empty request
    expect(await (await post(Buffer.alloc(4 * 1024 * 1024 + 1), 'application/x-protobuf')).json()).toMatchObject({ statusCode: 413, code: 'BODY_TOO_LARGE' });
    expect(await (await post('{"quotes":', 'application/json')).json()).toMatchObject({ statusCode: 400, code: 'MALFORMED_BODY' });
  });

  it('takes enum values by name or by number in JSON, over REST and on the stream (the proto3 JSON mapping), and refuses unknown names', async () => {
    const symbol = freshSymbol();
    const { key } = await publisherFor(platform.url, symbol);
    const watcher = await connect({}, 'bidtape.v1.json');
    watcher.ws.send(JSON.stringify({ id: 1, subscribe: { symbols: [symbol], maxRate: 0, channels: ['CHANNEL_TRADES', 3], candleInterval: 'CANDLE_INTERVAL_1M' } }));
    expect((await watcher.waitFor('subscribeAck')).subscribeAck).toMatchObject({
      requestId: 1, channels: [Channel.CHANNEL_TRADES, Channel.CHANNEL_CANDLES], candleInterval: pb.CandleInterval.CANDLE_INTERVAL_1M,
    });
    const trade = (tradeId: string, aggressorSide: unknown) => ({ symbol, tradeId, price: 1000, size: 10, aggressorSide });
    const rest = (body: unknown) => fetch(`${platform.url}/v1/publish`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify(body),
    });
    const byRest = await rest({ trades: [trade('r-1', 'SIDE_BUY'), trade('r-2', pb.Side.SIDE_SELL)] });
    expect(byRest.status).toBe(200);
    expect(await byRest.json()).toEqual({ requestId: 0, accepted: 2 });
    const publisher = await connect({ 'x-api-key': key }, 'bidtape.v1.json');
    publisher.ws.send(JSON.stringify({ id: 2, publish: { trades: [trade('s-1', 'SIDE_SELL')] } }));
    expect(await ackOf(publisher, 2)).toMatchObject({ accepted: 1 });
    await pollUntil('the three trades', () => watcher.trades(symbol).length === 3);
    expect(watcher.trades(symbol).map((t) => [t.tradeId, t.aggressorSide])).toEqual([
      ['r-1', pb.Side.SIDE_BUY], ['r-2', pb.Side.SIDE_SELL], ['s-1', pb.Side.SIDE_SELL],
    ]);
    watcher.ws.send(JSON.stringify({ id: 3, unsubscribe: { symbols: [symbol], channels: ['CHANNEL_CANDLES'] } }));
    expect((await watcher.waitFor('unsubscribeAck')).unsubscribeAck).toMatchObject({ requestId: 3, symbols: [symbol] });

    // A name the enum does not have is not the JSON mapping of any value: the message is malformed.
    const unknownRest = await rest({ trades: [trade('r-3', 'SIDE_UP')] });
    expect(await unknownRest.json()).toMatchObject({ statusCode: 400, code: 'MALFORMED_PUBLISH', message: expect.stringContaining('trades[0].aggressorSide') });
    publisher.ws.send(JSON.stringify({ id: 4, publish: { trades: [trade('s-2', 'SIDE_UP')] } }));
    watcher.ws.send(JSON.stringify({ id: 5, subscribe: { symbols: [symbol], channels: ['CHANNEL_NOPE'] } }));
    for (const [client, id, field] of [[publisher, 4, 'publish.trades[0].aggressorSide'], [watcher, 5, 'subscribe.channels[0]']] as const) {
      const error = (await client.waitFor('error')).error!;
      expect(error).toMatchObject({ requestId: id, code: pb.ErrorCode.ERROR_CODE_MALFORMED_MESSAGE });
      expect(error.message).toContain(field);
    }
    expect(watcher.trades(symbol)).toHaveLength(3);
  });

  it('batches trades for a throttled subscription: every trade arrives, none is dropped', async () => {
    const symbol = freshSymbol();
    const { key } = await publisherFor(platform.url, symbol);
    const watcher = await connect();
    watcher.send({ subscribe: { symbols: [symbol], maxRate: 2, channels: [Channel.CHANNEL_TRADES] } });
    await watcher.waitFor('snapshot');
    const publisher = await connect({ 'x-api-key': key });
    for (let round = 0; round < 4; round++) {
      const trades = Array.from({ length: 10 }, (_, i) => ({ symbol, tradeId: `r${round}-${i}`, price: 1000 + 5 * i, size: 10, aggressorSide: pb.Side.SIDE_BUY }));
      await ackOf(publisher, publisher.send({ publish: { trades } }));
    }
    await pollUntil('all 40 trades', () => watcher.trades(symbol).length === 40, 5000);
    expect(watcher.trades(symbol).map((t) => t.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(watcher.of('trade')).toEqual([]); // throttled: batches only
    expect(watcher.of('tradeBatch').length).toBeLessThanOrEqual(4);
  });

  it("drops a throttled subscription's waiting trades when a new epoch starts: trades follow the snapshot's last_trade, none of the old epoch", async () => {
    const symbol = freshSymbol();
    await publisherFor(platform.url, symbol);
    const watcher = await connect();
    watcher.send({ subscribe: { symbols: [symbol], maxRate: 1, channels: [Channel.CHANNEL_TRADES] } });
    await watcher.waitFor('snapshot');
    const trade = (tradeId: string) => ({ symbol, tradeId, price: 1000, size: 10, side: 'buy' as const, timestampUs: 0 });
    // All in one turn: no flush (once a second) can send the old epoch's trades before the change.
    for (const id of ['old-1', 'old-2', 'old-3']) platform.market.publishTrade(trade(id));
    platform.market.startEpoch(`epoch-${symbol}`);
    for (const id of ['new-1', 'new-2']) platform.market.publishTrade(trade(id));

    const resnapshot = await pollUntil('the unsolicited snapshot', () => watcher.of('snapshot').find((m) => m.snapshot!.requestId === 0));
    expect(resnapshot.snapshot!.symbols![0]).toMatchObject({ epoch: `epoch-${symbol}`, lastTrade: null }); // no trade in the new epoch yet
    await pollUntil('a trade batch', () => watcher.of('tradeBatch').length > 0, 3000);
    expect(watcher.trades(symbol).map((t) => [t.seq, t.tradeId])).toEqual([[1, 'new-1'], [2, 'new-2']]);
  });

  it('re-snapshots every subscribed symbol with what its own channels carry, candle-only ones too', async () => {
    const [quotesOnly, tradesOnly, candlesOnly] = [freshSymbol(), freshSymbol(), freshSymbol()];
    for (const symbol of [quotesOnly, tradesOnly, candlesOnly]) {
      await publisherFor(platform.url, symbol);
      platform.market.publish(quoteFor(symbol));
      platform.market.publishTrade({ symbol, tradeId: `t-${symbol}`, price: 1000, size: 10, side: 'sell', timestampUs: 0 });
    }
    const watcher = await connect();
    watcher.send({ subscribe: { symbols: [quotesOnly], maxRate: 0 } });
    watcher.send({ subscribe: { symbols: [tradesOnly], maxRate: 0, channels: [Channel.CHANNEL_TRADES] } });
    watcher.send({ subscribe: { symbols: [candlesOnly], maxRate: 0, channels: [Channel.CHANNEL_CANDLES], candleInterval: pb.CandleInterval.CANDLE_INTERVAL_1M } });
    await watcher.waitFor('snapshot', 3);
    const atSubscribe = watcher.of('snapshot').map((m) => m.snapshot!.symbols![0]);

    platform.market.load(platform.market.epoch, []); // as a clustered gateway does once its feed is back: same epoch, same state
    const resnapshot = await pollUntil('the unsolicited snapshot', () => watcher.of('snapshot').find((m) => m.snapshot!.requestId === 0));
    const bySymbol = new Map(resnapshot.snapshot!.symbols!.map((s) => [s.instrument!.symbol, s]));
    expect([...bySymbol.keys()].sort()).toEqual([quotesOnly, tradesOnly, candlesOnly].sort());
    for (const snapshot of atSubscribe) expect(bySymbol.get(snapshot.instrument!.symbol)).toEqual(snapshot); // what subscribing gave
    const carried = (symbol: string) => [Boolean(bySymbol.get(symbol)!.latest), Boolean(bySymbol.get(symbol)!.lastTrade)];
    expect([carried(quotesOnly), carried(tradesOnly), carried(candlesOnly)]).toEqual([[true, false], [false, true], [false, false]]);
  });

  it('builds candles from a known trade sequence: hand-computed OHLCV over REST and on the stream, kept across a restart', async () => {
    const symbol = freshSymbol();
    const { key } = await publisherFor(platform.url, symbol);
    const publisher = await connect({ 'x-api-key': key });
    const base = Math.floor(nowMicros() / SECOND) * SECOND - 4 * SECOND; // four whole seconds ago
    const trades = [
      [1000, 20, base + 0.1 * SECOND],
      [1050, 10, base + 0.4 * SECOND],
      [990, 30, base + 0.9 * SECOND], // second 1: O 1000 H 1050 L 990 C 990, V 60, 3 trades
      [995, 10, base + 2.5 * SECOND], // second 3: one trade (second 2 had none: no candle)
    ].map(([price, size, at], i) => ({ symbol, tradeId: `c${i}`, price, size, timestampUs: at, aggressorSide: pb.Side.SIDE_SELL }));
    expect((await ackOf(publisher, publisher.send({ publish: { trades } }))).accepted).toBe(4);

    const expected = [
      { startTimeUs: base, open: 1000, high: 1050, low: 990, close: 990, volume: 60, count: 3, closed: true },
      { startTimeUs: base + 2 * SECOND, open: 995, high: 995, low: 995, close: 995, volume: 10, count: 1, closed: true },
    ];
    const rest = async (p: TestPlatform) => {
      const response = await fetch(`${p.url}/v1/instruments/${symbol}/candles?interval=1s&from=${new Date(base / 1000).toISOString()}`);
      return ((await response.json()) as { candles: Record<string, unknown>[] }).candles;
    };
    // Both buckets end within the sweep after "now": wait until the second one closes.
    await pollUntil('closed candles', async () => (await rest(platform)).filter((c) => c.closed).length === 2, 3000);
    expect(await rest(platform)).toMatchObject(expected);
    // The same trades in 1 m candles (one, or two if a minute boundary fell in between).
    const minute = await fetch(`${platform.url}/v1/instruments/${symbol}/candles?interval=1m`);
    const minutes = ((await minute.json()) as { candles: { volume: number; count: number; high: number; low: number }[] }).candles;
    expect([sum(minutes.map((c) => c.volume)), sum(minutes.map((c) => c.count)), Math.max(...minutes.map((c) => c.high)), Math.min(...minutes.map((c) => c.low))])
      .toEqual([70, 4, 1050, 990]);

    const watcher = await connect();
    watcher.send({ subscribe: { symbols: [symbol], maxRate: 0, channels: [Channel.CHANNEL_CANDLES], candleInterval: pb.CandleInterval.CANDLE_INTERVAL_1S } });
    const history = (await watcher.waitFor('candleHistory')).candleHistory!;
    expect(history.candles!.map((c) => [Number(c.startTimeUs), c.open, c.high, c.low, c.close, Number(c.volume), c.count, c.closed]))
      .toEqual(expected.map((c) => [c.startTimeUs, c.open, c.high, c.low, c.close, c.volume, c.count, c.closed]));
    // A live trade now: the forming candle arrives as an update.
    await ackOf(publisher, publisher.send({ publish: { trades: [{ symbol, tradeId: 'live', price: 1100, size: 10, aggressorSide: pb.Side.SIDE_BUY }] } }));
    const update = (await watcher.waitFor('candle')).candle!;
    expect(update).toMatchObject({ symbol, open: 1100, close: 1100, closed: false, count: 1 });

    // Written to PostgreSQL within a second; a new process serves the same history.
    await new Promise((r) => setTimeout(r, 1300));
    const restarted = await startTestPlatform();
    try {
      expect((await rest(restarted)).slice(0, 2)).toMatchObject(expected);
    } finally {
      await restarted.stop();
    }
  });

  it('refuses candle subscriptions without an interval, and answers bad candle queries as documented', async () => {
    const client = await connect();
    const id = client.send({ subscribe: { symbols: ['AAPL'], channels: [Channel.CHANNEL_CANDLES] } });
    expect((await client.waitFor('error')).error).toMatchObject({ requestId: id, code: pb.ErrorCode.ERROR_CODE_INVALID_REQUEST });
    const unknown = await fetch(`${platform.url}/v1/instruments/NOPE-NOPE/candles?interval=1m`);
    expect(await unknown.json()).toMatchObject({ statusCode: 404, code: 'INSTRUMENT_NOT_FOUND' });
    const backwards = await fetch(`${platform.url}/v1/instruments/AAPL/candles?interval=1m&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z`);
    expect(await backwards.json()).toMatchObject({ statusCode: 400, code: 'INVALID_RANGE' });
    expect((await fetch(`${platform.url}/v1/instruments/AAPL/candles?interval=2m`)).status).toBe(400);
  });

  it('ends the streams of a retired instrument with InstrumentRetired', async () => {
    const symbol = freshSymbol();
    await publisherFor(platform.url, symbol);
    const watcher = await connect();
    watcher.send({ subscribe: { symbols: [symbol], channels: [Channel.CHANNEL_QUOTES, Channel.CHANNEL_TRADES] } });
    await watcher.waitFor('snapshot');
    expect((await admin(platform.url, 'DELETE', `/instruments/${symbol}`)).status).toBe(204);
    expect((await watcher.waitFor('instrumentRetired')).instrumentRetired).toMatchObject({ symbol });
    expect(watcher.of('instrumentRetired')).toHaveLength(1);
    expect(await (await fetch(`${platform.url}/v1/instruments/${symbol}`)).json()).toMatchObject({ code: 'INSTRUMENT_NOT_FOUND' });
    const again = watcher.send({ subscribe: { symbols: [symbol] } });
    expect((await watcher.waitFor('subscribeReject')).subscribeReject).toMatchObject({ requestId: again, code: pb.ErrorCode.ERROR_CODE_UNKNOWN_SYMBOL });
    expect(await (await admin(platform.url, 'DELETE', `/instruments/${symbol}`)).json()).toMatchObject({ statusCode: 404, code: 'INSTRUMENT_NOT_FOUND' });
  });

  it('has the simulator print trades, so a fresh start has trades and candles (quote-built for spot FX)', async () => {
    const simulated = await startTestPlatform({ SIM_ENABLED: 'true', SIM_SYMBOLS: 'BTC-USD,EUR-USD', SIM_TICKS_PER_SECOND: '400', SIM_AUCTIONS: '0' });
    try {
      const client = await StreamClient.connect(simulated.wsUrl);
      clients.push(client);
      client.send({ subscribe: { symbols: ['BTC-USD', 'EUR-USD'], maxRate: 0, channels: [Channel.CHANNEL_TRADES] } });
      await pollUntil('simulated trades', () => client.trades('BTC-USD').length >= 20, 5000);
      const trades = client.trades('BTC-USD');
      expect(trades.map((t) => Number(t.seq))).toEqual(trades.map((_, i) => Number(trades[0].seq) + i));
      expect(client.trades('EUR-USD')).toEqual([]); // spot FX prints no trades
      const candles = async (symbol: string) =>
        ((await (await fetch(`${simulated.url}/v1/instruments/${symbol}/candles?interval=1s`)).json()) as { candles: { volume: number; count: number }[] }).candles;
      expect((await candles('BTC-USD')).some((c) => c.volume > 0)).toBe(true);
      const fx = await pollUntil('EUR-USD candles', async () => ((await candles('EUR-USD')).length > 0 ? candles('EUR-USD') : undefined));
      expect(fx.every((c) => c.volume === 0 && c.count > 0)).toBe(true);
    } finally {
      await simulated.stop();
    }
  });
});
