import type { BidtapeError } from './errors';
import { decoded, pb } from './messages';
import type { Instrument, Snapshot, SubscribeAck, SubscribeReject, Tick } from './messages';
import { TickSubscription, tickUpdate } from './subscriptions';
import type { ExtraChannels, SubscribeResult, TickUpdate } from './subscriptions';
import type { Wire } from './wire';

export interface GapEvent {
  symbol: string;
  /** The sequence number that should have come next. */
  expected: number;
  /** The first sequence number that came instead. */
  got: number;
  /** `tick`: within a live stream; `snapshot`: across a reconnect; `epoch`: the server restarted its sequences. */
  cause: 'tick' | 'snapshot' | 'epoch';
}

interface SubscribeRound {
  subscription: TickSubscription;
  result: SubscribeResult;
  acked: boolean;
  settled: boolean;
  done: () => void;
}

interface SymbolFeed {
  lastSeq: number;
  epoch: string;
  instrument: Instrument;
  /** Carried over a dropped connection: the next snapshot tells whether updates were missed. */
  stale: boolean;
}

/**
 * Market data on the client side: the tick subscriptions, their subscribe requests (also re-sent
 * after a reconnect), the last sequence number per symbol and gap detection.
 */
export class MarketFeed {
  private readonly subscriptions = new Set<TickSubscription>();
  private readonly rounds = new Map<number, SubscribeRound>();
  private readonly symbols = new Map<string, SymbolFeed>();

  constructor(
    private readonly wire: Wire,
    private readonly bufferSize: number,
    private readonly onGap: (gap: GapEvent) => void,
  ) {}

  lastSeq(symbol: string): number | undefined {
    return this.symbols.get(symbol)?.lastSeq;
  }

  /** The epoch of a subscribed symbol's numbering, from its latest snapshot. */
  epochOf(symbol: string): string | undefined {
    return this.symbols.get(symbol)?.epoch;
  }

  subscribe(symbols: string[], maxRate: number | undefined, connected: boolean, channels: ExtraChannels = {}): TickSubscription {
    const normalized = [...new Set(symbols.map((s) => s.trim().toUpperCase()))];
    const subscription = new TickSubscription(normalized, maxRate, this.bufferSize, (s) => this.drop(s), channels);
    this.subscriptions.add(subscription);
    if (connected) void this.send(subscription);
    return subscription;
  }

  /** On a new connection: subscribe everything again; resolves once every request is answered. */
  resubscribe(): Promise<void> {
    return Promise.all([...this.subscriptions].map((s) => this.send(s))).then(() => undefined);
  }

  /** The connection dropped: pending requests are void, and the next snapshots are compared with what was seen. */
  disconnected(): void {
    this.rounds.clear();
    for (const feed of this.symbols.values()) feed.stale = true;
  }

  /** The client is closed: with an error, iterations throw it; without, they end. */
  close(error: BidtapeError | null): void {
    for (const s of this.subscriptions) {
      if (error) s.fail(error);
      else s.finish();
    }
    this.subscriptions.clear();
    this.rounds.clear();
    this.symbols.clear();
  }

  onAck(ack: SubscribeAck): void {
    const round = this.rounds.get(ack.requestId);
    if (!round) return;
    round.acked = true;
    round.result.symbols = ack.symbols;
    round.result.maxRate = ack.maxRate;
  }

  onReject(reject: SubscribeReject): void {
    const round = this.rounds.get(reject.requestId);
    if (!round) return;
    round.result.rejected.push({ symbols: reject.symbols, code: reject.code, message: reject.message });
    if (!round.acked) this.settle(round); // nothing was accepted: no snapshot follows
  }

  onSnapshot(snapshot: Snapshot): void {
    const round = this.rounds.get(snapshot.requestId);
    for (const item of snapshot.symbols) {
      const entry = decoded(pb.SymbolSnapshot, item);
      const instrument = decoded(pb.Instrument, entry.instrument);
      const symbol = instrument.symbol;
      const latest = entry.latest ? decoded(pb.Tick, entry.latest) : null;
      const seq = latest?.seq ?? 0;
      const known = this.symbols.get(symbol);
      if (known && known.epoch !== entry.epoch) {
        this.onGap({ symbol, expected: known.lastSeq + 1, got: seq, cause: 'epoch' });
      } else if (known && (known.stale || !round) && seq > known.lastSeq + 1) {
        // Stale after a reconnect, or re-snapshotted by the server (request id 0): were updates skipped?
        this.onGap({ symbol, expected: known.lastSeq + 1, got: seq, cause: 'snapshot' });
      }
      this.symbols.set(symbol, { lastSeq: seq, epoch: entry.epoch, instrument, stale: false });
      // Unsolicited (request id 0): the server replaced its state; every holder of the symbol takes it.
      const holders = round ? [round.subscription] : [...this.subscriptions].filter((s) => s.holds(symbol));
      for (const holder of holders) {
        if (latest) holder.deliver(tickUpdate(latest, instrument, entry.epoch, true));
        else holder.markLive(symbol); // never ticked: its first tick is the start
      }
    }
    if (round) this.settle(round);
  }

  /** Returns the update when the tick was new (delivered), else null. */
  onTick(tick: Tick): TickUpdate | null {
    const feed = this.symbols.get(tick.symbol);
    if (!feed || tick.seq <= feed.lastSeq) return null; // not subscribed (any more), or seen already
    if (tick.firstSeq > feed.lastSeq + 1) this.onGap({ symbol: tick.symbol, expected: feed.lastSeq + 1, got: tick.firstSeq, cause: 'tick' });
    feed.lastSeq = tick.seq;
    const update = tickUpdate(tick, feed.instrument, feed.epoch, false);
    for (const subscription of this.subscriptions) if (subscription.holds(tick.symbol)) subscription.deliver(update);
    return update;
  }

  /** An `Error` answering one of our subscribe requests fails that subscription; false if it answers something else. */
  onError(requestId: number, error: BidtapeError): boolean {
    const round = this.rounds.get(requestId);
    if (!round) return false;
    round.subscription.fail(error);
    this.drop(round.subscription);
    round.done();
    return true;
  }

  private send(subscription: TickSubscription): Promise<void> {
    const id = this.wire.newId();
    subscription.restart();
    const symbols = [...subscription.symbols];
    const { trades, candles, candleHistory } = subscription.channels;
    const channels = [pb.Channel.CHANNEL_QUOTES, ...(trades ? [pb.Channel.CHANNEL_TRADES] : []), ...(candles ? [pb.Channel.CHANNEL_CANDLES] : [])];
    const request = {
      symbols,
      ...(subscription.maxRate === undefined ? {} : { maxRate: subscription.maxRate }),
      ...(channels.length > 1 ? { channels } : {}),
      ...(candles ? { candleInterval: candles, ...(candleHistory === undefined ? {} : { candleHistory }) } : {}),
    };
    return new Promise<void>((done) => {
      this.rounds.set(id, { subscription, result: { symbols: [], maxRate: 0, rejected: [] }, acked: false, settled: false, done });
      if (!this.wire.write({ id, subscribe: request })) this.rounds.delete(id); // sent again on the next connection
    });
  }

  private settle(round: SubscribeRound): void {
    if (round.settled) return;
    round.settled = true;
    round.subscription.settle(round.result);
    if (!round.subscription.active) this.drop(round.subscription); // every symbol refused: nothing to resubscribe
    round.done();
  }

  private drop(subscription: TickSubscription): void {
    if (!this.subscriptions.delete(subscription)) return;
    for (const [id, round] of this.rounds) if (round.subscription === subscription) this.rounds.delete(id);
    const stillHeld = new Set([...this.subscriptions].flatMap((s) => s.symbols));
    const released = subscription.symbols.filter((s) => !stillHeld.has(s));
    for (const symbol of released) this.symbols.delete(symbol);
    if (released.length > 0) this.wire.write({ id: this.wire.newId(), unsubscribe: { symbols: released } });
  }
}
