import '../../src/gateway/wire/protobuf-numbers';
import { bidtape } from '../../src/generated/bidtape';
import { Emitter } from './emitter';
import { ConflatingQueue } from './queue';

const pb = bidtape.v1;
export type Tick = bidtape.v1.ITick;
export type Instrument = bidtape.v1.IInstrument;
export type BidAccepted = bidtape.v1.IBidAccepted;
export type BidRejected = bidtape.v1.IBidRejected;
export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'resumed' | 'closed';
export const BidRejectReason = pb.BidRejectReason;

/** Minimal standard WebSocket surface (browsers, Node 22+, and the `ws` package). */
interface SocketLike {
  binaryType: string;
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}
type SocketConstructor = new (url: string, protocols: string | string[]) => SocketLike;

export interface ClientOptions {
  /** `ws(s)://host/v1/stream` */
  url: string;
  /** Development identity (`?bidder=`), where the server allows it. */
  bidder?: string;
  /** Bearer token (JWT); sent as `access_token` so it also works from browsers. */
  token?: string;
  /** Partner API key; sent as `api_key`. */
  apiKey?: string;
  /** WebSocket implementation; default: globalThis.WebSocket, else the `ws` package. */
  WebSocket?: SocketConstructor;
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Updates buffered per subscription before the newest state per symbol replaces older ones. */
  bufferSize?: number;
}

export interface TickUpdate {
  symbol: string;
  tick: Tick;
  instrument?: Instrument;
  /** Whether it came from a snapshot (subscribe or resubscribe) rather than a live update. */
  snapshot: boolean;
}

export type AuctionEvent =
  | { kind: 'snapshot'; state: bidtape.v1.IAuctionState }
  | { kind: 'bid'; update: bidtape.v1.IBidUpdate }
  | { kind: 'closed'; closed: bidtape.v1.IAuctionClosed };

export type BidResult = ({ accepted: true } & BidAccepted) | ({ accepted: false } & BidRejected);

interface Events extends Record<string, unknown> {
  state: ConnectionState;
  gap: { symbol: string; expected: number; got: number };
  outbid: bidtape.v1.IOutbid;
  error: bidtape.v1.IError;
  closed: { code: number; reason: string };
}

class Subscription implements AsyncIterable<TickUpdate> {
  readonly queue: ConflatingQueue<TickUpdate>;
  constructor(readonly symbols: string[], readonly maxRate: number | undefined, bufferSize: number, private readonly onStop: () => void) {
    // When the consumer falls behind, keep the newest state per symbol (conflation).
    this.queue = new ConflatingQueue<TickUpdate>(bufferSize, (older, newer) => ({
      ...newer,
      tick: { ...newer.tick, firstSeq: Math.min(Number(older.tick.firstSeq), Number(newer.tick.firstSeq)) },
    }));
  }
  [Symbol.asyncIterator]() {
    return this.queue[Symbol.asyncIterator]();
  }
  unsubscribe(): void {
    this.queue.end();
    this.onStop();
  }
}

class AuctionWatch implements AsyncIterable<AuctionEvent> {
  readonly queue = new ConflatingQueue<AuctionEvent>(Number.MAX_SAFE_INTEGER);
  constructor(readonly auctionId: string, public lastSeq: number | null, private readonly onStop: () => void) {}
  [Symbol.asyncIterator]() {
    return this.queue[Symbol.asyncIterator]();
  }
  stop(): void {
    this.queue.end();
    this.onStop();
  }
}

/**
 * The bidtape stream client: typed messages, automatic reconnect with resume, gap events,
 * backpressure-aware async iterators, and idempotent bid retries.
 */
export class BidtapeClient extends Emitter<Events> {
  state: ConnectionState = 'connecting';
  private socket?: SocketLike;
  private nextId = 1;
  private delayMs: number;
  private everLive = false;
  private closing = false;
  private readonly lastSeq = new Map<string, number>();
  private readonly subscriptions = new Set<Subscription>();
  private readonly watches = new Map<string, AuctionWatch>();
  private readonly pending = new Map<number, (message: bidtape.v1.ServerMessage) => void>();
  private readonly outstandingBids = new Map<string, () => void>();
  private opened?: { resolve: () => void; reject: (e: Error) => void };

  constructor(private readonly options: ClientOptions) {
    super();
    this.delayMs = options.reconnect?.initialDelayMs ?? 250;
  }

  /** Opens the connection; resolves once it is live. */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.opened = { resolve, reject };
      this.open();
    });
  }

  close(): void {
    this.closing = true;
    this.socket?.close(1000);
    this.setState('closed');
    for (const s of this.subscriptions) s.queue.end();
    for (const w of this.watches.values()) w.queue.end();
  }

  /** Ticks of `symbols`, snapshot first, at most `maxRate` per second per symbol (0: every update). */
  subscribe(symbols: string[], options: { maxRate?: number } = {}): Subscription {
    const subscription = new Subscription(symbols, options.maxRate, this.options.bufferSize ?? 1000, () => {
      this.subscriptions.delete(subscription);
      this.send({ unsubscribe: { symbols } });
    });
    this.subscriptions.add(subscription);
    this.sendSubscribe(subscription);
    return subscription;
  }

  /** An auction's snapshot, its bids in seq order (history first when `fromSeq` is given), and its close. */
  watchAuction(auctionId: string, options: { fromSeq?: number } = {}): AuctionWatch {
    const watch = new AuctionWatch(auctionId, options.fromSeq ?? null, () => {
      this.watches.delete(auctionId);
      this.send({ unsubscribeAuction: { auctionId } });
    });
    this.watches.set(auctionId, watch);
    this.sendWatch(watch);
    return watch;
  }

  /**
   * Places a bid and resolves with the server's answer. If the connection drops before the
   * answer, or the answer is retryable, the same bid (same clientBidId) is sent again until
   * `deadlineMs`: the server never records it twice and answers a resend with the original.
   */
  async placeBid(
    bid: { auctionId: string; amount: number; maxAmount?: number; clientBidId?: string },
    options: { deadlineMs?: number } = {},
  ): Promise<BidResult> {
    const clientBidId = bid.clientBidId ?? globalThis.crypto.randomUUID();
    const deadline = Date.now() + (options.deadlineMs ?? 10_000);
    let delay = 100;
    for (;;) {
      const answer = await this.attemptBid({ ...bid, clientBidId }, deadline);
      if (answer && (answer.bidAccepted || !answer.bidRejected!.retryable || Date.now() > deadline)) {
        // toObject with defaults: protobufjs keeps default values (false, 0) on the prototype.
        return answer.bidAccepted
          ? { accepted: true, ...(pb.BidAccepted.toObject(answer.bidAccepted as bidtape.v1.BidAccepted, { defaults: true }) as BidAccepted) }
          : { accepted: false, ...(pb.BidRejected.toObject(answer.bidRejected as bidtape.v1.BidRejected, { defaults: true }) as BidRejected) };
      }
      if (Date.now() > deadline) throw new Error(`no answer to bid ${clientBidId} before the deadline`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 2000);
    }
  }

  /** Round trip time in milliseconds. */
  async ping(): Promise<number> {
    const started = Date.now();
    await this.request({ ping: { clientTime: started } });
    return Date.now() - started;
  }

  private attemptBid(bid: { auctionId: string; amount: number; clientBidId: string; maxAmount?: number }, deadline: number) {
    return new Promise<bidtape.v1.ServerMessage | null>((resolve) => {
      const timer = setTimeout(() => finish(null), Math.max(0, deadline - Date.now()));
      const finish = (answer: bidtape.v1.ServerMessage | null) => {
        clearTimeout(timer);
        this.outstandingBids.delete(bid.clientBidId);
        resolve(answer);
      };
      // A lost connection ends this attempt; placeBid tries again after reconnecting.
      this.outstandingBids.set(bid.clientBidId, () => finish(null));
      if (this.state !== 'live' && this.state !== 'resumed') return;
      void this.request({ placeBid: bid }).then(finish);
    });
  }

  private request(message: bidtape.v1.IClientMessage): Promise<bidtape.v1.ServerMessage> {
    return new Promise((resolve) => {
      const id = this.send(message);
      this.pending.set(id, resolve);
    });
  }

  private send(message: bidtape.v1.IClientMessage): number {
    const id = this.nextId++;
    if (this.socket?.readyState === 1) this.socket.send(pb.ClientMessage.encode({ ...message, id }).finish());
    return id;
  }

  private sendSubscribe(s: Subscription): void {
    this.send({ subscribe: s.maxRate === undefined ? { symbols: s.symbols } : { symbols: s.symbols, maxRate: s.maxRate } });
  }

  private sendWatch(w: AuctionWatch): void {
    this.send({ subscribeAuction: w.lastSeq === null ? { auctionId: w.auctionId } : { auctionId: w.auctionId, fromSeq: w.lastSeq } });
  }

  private open(): void {
    const url = new URL(this.options.url);
    if (this.options.bidder) url.searchParams.set('bidder', this.options.bidder);
    if (this.options.token) url.searchParams.set('access_token', this.options.token);
    if (this.options.apiKey) url.searchParams.set('api_key', this.options.apiKey);
    const Socket = this.options.WebSocket ?? defaultWebSocket();
    const socket = new Socket(url.toString(), 'bidtape.v1.proto');
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onopen = () => {
      this.delayMs = this.options.reconnect?.initialDelayMs ?? 250;
      const resumed = this.everLive;
      this.everLive = true;
      for (const s of this.subscriptions) this.sendSubscribe(s);
      for (const w of this.watches.values()) this.sendWatch(w);
      this.setState(resumed ? 'resumed' : 'live');
      this.opened?.resolve();
      this.opened = undefined;
    };
    socket.onmessage = (event) => this.route(pb.ServerMessage.decode(new Uint8Array(event.data as ArrayBuffer)));
    socket.onerror = () => undefined;
    socket.onclose = (event) => {
      this.emit('closed', { code: event.code, reason: event.reason });
      this.pending.clear();
      for (const abandon of [...this.outstandingBids.values()]) abandon();
      if (this.closing) return;
      if (!this.everLive && this.opened) {
        this.opened.reject(new Error(`connection refused (${event.code} ${event.reason})`));
        this.opened = undefined;
        return;
      }
      this.setState('reconnecting');
      const jitter = Math.random() * this.delayMs;
      setTimeout(() => this.open(), this.delayMs + jitter);
      this.delayMs = Math.min(this.delayMs * 2, this.options.reconnect?.maxDelayMs ?? 5000);
    };
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    this.emit('state', state);
  }

  private route(message: bidtape.v1.ServerMessage): void {
    const body = message[message.kind!] as { requestId?: number } | undefined;
    if (body?.requestId && this.pending.has(body.requestId)) {
      this.pending.get(body.requestId)!(message);
      this.pending.delete(body.requestId);
    }
    switch (message.kind) {
      case 'snapshot':
        for (const s of message.snapshot!.symbols ?? []) {
          const symbol = s.instrument!.symbol!;
          const seq = Number(s.latest?.seq ?? 0);
          const last = this.lastSeq.get(symbol);
          if (last !== undefined && seq > last + 1) this.emit('gap', { symbol, expected: last + 1, got: seq });
          this.lastSeq.set(symbol, seq);
          if (s.latest) this.deliverTick(s.latest, s.instrument!, true);
        }
        return;
      case 'tick':
        return this.onTick(message.tick!);
      case 'tickBatch':
        return message.tickBatch!.ticks!.forEach((t) => this.onTick(t));
      case 'auctionSnapshot': {
        const state = message.auctionSnapshot!.state!;
        const watch = this.watches.get(state.auctionId!);
        if (!watch) return;
        if (watch.lastSeq === null) watch.lastSeq = Number(state.seq);
        watch.queue.push({ kind: 'snapshot', state });
        return;
      }
      case 'bidUpdate': {
        const update = message.bidUpdate!;
        const watch = this.watches.get(update.auctionId!);
        if (!watch || (watch.lastSeq !== null && Number(update.seq) <= watch.lastSeq)) return;
        watch.lastSeq = Number(update.seq);
        watch.queue.push({ kind: 'bid', update });
        return;
      }
      case 'auctionClosed':
        this.watches.get(message.auctionClosed!.auctionId!)?.queue.push({ kind: 'closed', closed: message.auctionClosed! });
        return;
      case 'outbid':
        return this.emit('outbid', message.outbid!);
      case 'error':
        return this.emit('error', message.error!);
      // Answers to requests (handled above) and informational messages.
      case 'subscribeAck':
      case 'subscribeReject':
      case 'unsubscribeAck':
      case 'pong':
      case 'heartbeat':
      case 'bidAccepted':
      case 'bidRejected':
      case 'auctionUnsubscribed':
      case 'tokenRefreshed':
      case 'authExpiring':
      case 'slowConsumerWarning':
      case undefined:
        return;
    }
  }

  private onTick(tick: Tick): void {
    const symbol = tick.symbol!;
    const last = this.lastSeq.get(symbol) ?? 0;
    if (Number(tick.seq) <= last) return;
    if (Number(tick.firstSeq) > last + 1) this.emit('gap', { symbol, expected: last + 1, got: Number(tick.firstSeq) });
    this.lastSeq.set(symbol, Number(tick.seq));
    this.deliverTick(tick, undefined, false);
  }

  private deliverTick(tick: Tick, instrument: Instrument | undefined, snapshot: boolean): void {
    for (const s of this.subscriptions) {
      if (s.symbols.includes(tick.symbol!)) s.queue.push({ symbol: tick.symbol!, tick, instrument, snapshot }, tick.symbol);
    }
  }
}

function defaultWebSocket(): SocketConstructor {
  const native = (globalThis as { WebSocket?: SocketConstructor }).WebSocket;
  if (native) return native;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('ws') as SocketConstructor;
}
