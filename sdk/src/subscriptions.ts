import { AsyncQueue } from './async-queue';
import { formatMinor } from './money';
import { BidtapeError } from './errors';
import { AuctionStatus } from './messages';
import type { AuctionClosed, AuctionState, BidUpdate, CandleInterval, ErrorCode, Instrument, Tick } from './messages';
import { pb } from './messages';

/** One market-data update as the iterator yields it. */
export interface TickUpdate {
  symbol: string;
  /** The whole top-of-book state; `firstSeq..seq` is the range of updates it stands for. */
  tick: Tick;
  /** The symbol's catalogue entry (price and size scales), from its snapshot. */
  instrument: Instrument;
  /** The life of the symbol's sequence numbers (a new epoch restarts them at 1). */
  epoch: string;
  /** True for the state from a snapshot (after subscribe and after each resubscribe). */
  snapshot: boolean;
  /** The tick's prices and sizes as exact decimal strings (the instrument's scales). */
  decimal: TickDecimals;
}

export interface TickDecimals {
  bid: string;
  ask: string;
  last: string;
  bidSize: string;
  askSize: string;
}

/**
 * A tick as the iterator yields it. Its decimals are worked out on first read (BigInt string
 * arithmetic, five values): every tick passes through here, most consumers read only some.
 */
export function tickUpdate(tick: Tick, instrument: Instrument, epoch: string, snapshot: boolean): TickUpdate {
  let decimal: TickDecimals | undefined;
  return {
    symbol: tick.symbol, tick, instrument, epoch, snapshot,
    get decimal(): TickDecimals {
      const price = (v: number) => formatMinor(v, instrument.priceScale);
      const size = (v: number) => formatMinor(v, instrument.sizeScale);
      decimal ??= { bid: price(tick.bidPrice), ask: price(tick.askPrice), last: price(tick.lastPrice), bidSize: size(tick.bidSize), askSize: size(tick.askSize) };
      return decimal;
    },
  };
}

/**
 * What a subscription receives besides the quotes its iterator yields, as events of the client:
 * `trades` (CHANNEL_TRADES: `trade`), and `candles` of one interval (CHANNEL_CANDLES:
 * `candleHistory` once, then `candle`).
 */
export interface ExtraChannels {
  trades?: boolean;
  candles?: CandleInterval;
  /** With `candles`: how many closed candles the history holds (server default when absent). */
  candleHistory?: number;
}

/** The server's answer to a subscribe. */
export interface SubscribeResult {
  /** Symbols now subscribed. */
  symbols: string[];
  /** Effective updates per second per symbol (0: every update). */
  maxRate: number;
  /** Symbols refused, with the reason (unknown symbol, too many subscriptions). */
  rejected: { symbols: string[]; code: ErrorCode; message: string }[];
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => undefined); // a rejection nobody awaits is not an unhandled one
  return { promise, resolve, reject };
}

/** Merging two updates of one symbol: the newer state, covering both ranges. */
function mergeUpdates(older: TickUpdate, newer: TickUpdate): TickUpdate {
  if (older.epoch !== newer.epoch) return newer; // sequence numbers of different epochs do not combine
  const firstSeq = Math.min(older.tick.firstSeq, newer.tick.firstSeq);
  const tick = firstSeq === newer.tick.firstSeq ? newer.tick : pb.Tick.create(Object.assign({}, newer.tick, { firstSeq }));
  return tickUpdate(tick, newer.instrument, newer.epoch, older.snapshot || newer.snapshot);
}

/**
 * Ticks of some symbols: an async iterable with a bounded buffer. Snapshots come first; when the
 * consumer falls behind and the buffer is full, buffered updates are conflated per symbol.
 * Single consumer. Leaving the `for await` loop (or `unsubscribe()`) ends the subscription.
 */
export class TickSubscription implements AsyncIterable<TickUpdate> {
  /** The latest answer of the server (refreshed after each resubscribe). */
  result: SubscribeResult | null = null;
  /** Resolves with the first answer; rejects if the server refused the request. */
  readonly ready: Promise<SubscribeResult>;
  private readonly first = deferred<SubscribeResult>();
  private readonly queue: AsyncQueue<TickUpdate>;
  /** Symbols whose snapshot this subscription has had on the current connection. */
  private readonly live = new Set<string>();

  /** @internal Use `BidtapeClient.subscribe`. */
  constructor(
    readonly symbols: readonly string[],
    readonly maxRate: number | undefined,
    bufferSize: number,
    private readonly onStop: (subscription: TickSubscription) => void,
    /** The channels besides quotes: trades (`trade` events of the client) and candles of one interval. */
    readonly channels: ExtraChannels = {},
  ) {
    this.ready = this.first.promise;
    this.queue = new AsyncQueue<TickUpdate>(
      { limit: bufferSize, key: (u) => u.symbol, merge: mergeUpdates },
      () => this.onStop(this),
    );
  }

  /** Updates waiting for the consumer. */
  get buffered(): number {
    return this.queue.size;
  }

  /** Updates merged into newer ones because the consumer was behind. */
  get conflated(): number {
    return this.queue.conflated;
  }

  get active(): boolean {
    return !this.queue.done;
  }

  unsubscribe(): void {
    if (this.queue.done) return;
    this.queue.end();
    this.onStop(this);
  }

  [Symbol.asyncIterator](): AsyncIterator<TickUpdate> {
    return this.queue;
  }

  /** @internal */
  holds(symbol: string): boolean {
    return this.symbols.includes(symbol);
  }

  /** @internal A new subscribe request for this subscription is under way. */
  restart(): void {
    this.live.clear();
  }

  /** @internal */
  deliver(update: TickUpdate): void {
    if (update.snapshot) this.live.add(update.symbol);
    else if (!this.live.has(update.symbol)) return; // its snapshot is still to come
    this.queue.push(update);
  }

  /** @internal A subscribed symbol that has never ticked: its first tick may follow. */
  markLive(symbol: string): void {
    this.live.add(symbol);
  }

  /** @internal */
  settle(result: SubscribeResult): void {
    this.result = result;
    const [refusal] = result.rejected;
    if (result.symbols.length === 0 && refusal) {
      // Nothing was subscribed: nothing will ever come, so the iteration ends with the reason.
      this.fail(new BidtapeError('SERVER_ERROR', `no symbol subscribed: ${refusal.message}`, refusal.code));
      return;
    }
    this.first.resolve(result);
  }

  /** @internal Ends the iteration with `error` (after what is buffered). */
  fail(error: BidtapeError): void {
    this.first.reject(error);
    this.queue.fail(error);
  }

  /** @internal Ends the iteration normally (the client was closed). */
  finish(): void {
    this.queue.end();
  }
}

/** What an auction watch yields, in sequence order. */
/**
 * What an AuctionWatch yields. Amounts are integers of minor units; `decimal` gives them as
 * exact strings in the auction's currency (its price scale, from the snapshot).
 */
export type AuctionEvent =
  | { kind: 'snapshot'; state: AuctionState; decimal: { currentPrice: string; nextMinimum: string; startingPrice: string } }
  | { kind: 'bid'; update: BidUpdate; decimal: { amount: string; price: string; nextMinimum: string } }
  | { kind: 'closed'; closed: AuctionClosed; decimal: { price: string } };

/**
 * An auction's snapshot, its bids in `seq` order without gaps or duplicates (resumed across
 * reconnects from the last seq seen), and its close. Never conflated: every bid is delivered.
 * The iteration ends after the close (or, for an auction already closed when watched, after
 * its history up to the final seq). Single consumer.
 */
export class AuctionWatch implements AsyncIterable<AuctionEvent> {
  /** The latest snapshot's state. */
  state: AuctionState | null = null;
  /** Resolves with the first snapshot's state; rejects for an unknown auction. */
  readonly ready: Promise<AuctionState>;
  private readonly first = deferred<AuctionState>();
  private readonly queue: AsyncQueue<AuctionEvent>;
  private seq: number | null;
  private finalSeq: number | null = null;

  /** @internal Use `BidtapeClient.watchAuction`. */
  constructor(
    readonly auctionId: string,
    fromSeq: number | null,
    private readonly onStop: (watch: AuctionWatch) => void,
  ) {
    this.seq = fromSeq;
    this.ready = this.first.promise;
    this.queue = new AsyncQueue<AuctionEvent>(undefined, () => this.onStop(this));
  }

  /** Minor units as a decimal of the auction's currency (the snapshot always comes before any bid). */
  private readonly money = (minor: number): string => formatMinor(minor, this.state?.priceScale ?? 0);

  /** Sequence number of the last bid delivered (resume point); null before the first snapshot. */
  get lastSeq(): number | null {
    return this.seq;
  }

  get active(): boolean {
    return !this.queue.done;
  }

  stop(): void {
    if (this.queue.done) return;
    this.queue.end();
    this.onStop(this);
  }

  [Symbol.asyncIterator](): AsyncIterator<AuctionEvent> {
    return this.queue;
  }

  /** @internal */
  onSnapshot(state: AuctionState): void {
    this.state = state;
    this.seq ??= state.seq;
    const money = this.money;
    this.queue.push({
      kind: 'snapshot', state,
      decimal: { currentPrice: money(state.currentPrice), nextMinimum: money(state.nextMinimum), startingPrice: money(state.startingPrice) },
    });
    this.first.resolve(state);
    if (state.status === AuctionStatus.AUCTION_STATUS_CLOSED) {
      this.finalSeq = state.seq;
      this.finishIfComplete();
    }
  }

  /** @internal */
  onBid(update: BidUpdate): void {
    if (this.seq !== null && update.seq <= this.seq) return; // seen already (replay overlap)
    this.seq = update.seq;
    const money = this.money;
    this.queue.push({ kind: 'bid', update, decimal: { amount: money(update.amount), price: money(update.price), nextMinimum: money(update.nextMinimum) } });
    this.finishIfComplete();
  }

  /** @internal */
  onClosed(closed: AuctionClosed): void {
    this.queue.push({ kind: 'closed', closed, decimal: { price: this.money(closed.price) } });
    this.stop();
  }

  /** @internal */
  fail(error: BidtapeError): void {
    this.first.reject(error);
    this.queue.fail(error);
  }

  /** @internal */
  finish(): void {
    this.queue.end();
  }

  private finishIfComplete(): void {
    if (this.finalSeq !== null && (this.seq ?? 0) >= this.finalSeq) this.stop();
  }
}
