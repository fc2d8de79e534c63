import { AuctionFeed } from './auction-feed';
import { backoffDelay, DEFAULT_RECONNECT } from './backoff';
import type { ReconnectOptions } from './backoff';
import { bidResult, minorAmount, newClientBidId } from './bids';
import type { BidFailedResult, BidResult, PlaceBidRequest } from './bids';
import { Emitter } from './emitter';
import { BidtapeError } from './errors';
import { MarketFeed } from './market-feed';
import type { GapEvent } from './market-feed';
import { decoded, jsonCodec, pb, protoCodec } from './messages';
import type {
  Candle, CandleHistory, ClientMessageInit, Codec, ErrorCode, FeedStatus, InstrumentRetired, Outbid, PublishAck, PublishRequestInit, ServerError,
  ServerMessage, SlowConsumerWarning, Tick, Trade,
} from './messages';
import type { AuctionWatch, ExtraChannels, TickSubscription, TickUpdate } from './subscriptions';
import { defaultWebSocket, OPEN } from './transport';
import type { WebSocketConstructor, WebSocketLike } from './transport';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'resumed' | 'closed';

export interface BidtapeClientOptions {
  /** The stream endpoint, `ws(s)://HOST/v1/stream`. */
  url: string;
  /** Development identity (`?bidder=<handle>`), accepted where the server has DEV_BIDDERS_ENABLED. */
  bidder?: string;
  /**
   * Bearer token (JWT), sent as `?access_token=` so it works from browsers too. A function is
   * asked for a fresh token on every (re)connect and when the server announces the expiry
   * (`AuthExpiring`); the token is then renewed on the live connection (`RefreshToken`).
   */
  token?: string | (() => string | Promise<string>);
  /** Partner API key (`?api_key=`). */
  apiKey?: string;
  /** `proto` (default): binary protobuf. `json`: the protobuf JSON mapping, for debugging. */
  encoding?: 'proto' | 'json';
  /** WebSocket implementation; default `globalThis.WebSocket`, else the `ws` package. */
  WebSocket?: WebSocketConstructor;
  /** Reconnect timing; `false`: a dropped connection closes the client. */
  reconnect?: ReconnectOptions | false;
  /** Updates each tick subscription buffers before conflating per symbol (default 1000). */
  bufferSize?: number;
  /** Reconnect when nothing at all arrived for this long (default 35 s: two server heartbeats); 0: never. */
  livenessTimeoutMs?: number;
  /** How long `placeBid` keeps trying by default (default 10 s). */
  bidDeadlineMs?: number;
  /** How long `ping` and token renewals wait for their answer (default 10 s). */
  requestTimeoutMs?: number;
}

/** @deprecated Renamed BidtapeClientOptions. */
export type ClientOptions = BidtapeClientOptions;

export interface DisconnectEvent {
  code: number;
  reason: string;
  willReconnect: boolean;
}

export interface ClientEvents {
  state: ConnectionState;
  /** Market-data updates were missed (see GapEvent.cause). */
  gap: GapEvent;
  /** This bidder lost (or did not get) the lead of an auction, watched or not. */
  outbid: Outbid;
  /** A server `Error` no call of this client was waiting for, or a frame that could not be decoded. */
  error: ServerError;
  /** The connection dropped. */
  disconnect: DisconnectEvent;
  /** The server finds this connection slow and conflates it harder until it catches up. */
  slowConsumer: SlowConsumerWarning;
  /** The bearer token was renewed on the live connection. */
  tokenRefreshed: { expiresTimeUs: number };
  /** A clustered server's prices went stale (its feed is unreachable) or live again. */
  feedStatus: FeedStatus;
  /** Every new tick as it arrives, before subscriptions' iterators see it (which may merge ticks when behind). */
  tick: TickUpdate;
  /** A trade of a symbol subscribed with `trades: true` (batches are delivered one trade at a time), with its epoch. */
  trade: Trade & { epoch: string };
  /** The recent candles of a symbol subscribed on CHANNEL_CANDLES, once per subscription. */
  candleHistory: CandleHistory;
  /** A forming candle changed, or a candle closed (`closed`). */
  candle: Candle;
  /** An instrument left the catalogue; its subscriptions ended. */
  instrumentRetired: InstrumentRetired;
}

/** Close codes after which reconnecting cannot help (see docs/protocol.md). */
const FATAL_CLOSE_CODES = new Set([1002, 1007, 1009, 4003]);
const TOKEN_EXPIRED = 4001;
const BID_RETRY_FIRST_MS = 100;
const BID_RETRY_MAX_MS = 2000;

type Timer = ReturnType<typeof setTimeout>;

interface PendingRequest {
  resolve(message: ServerMessage): void;
  reject(error: BidtapeError): void;
}

/** Node: a liveness timer alone must not keep the process running (browsers' timers are numbers). */
function unrefTimer(timer: unknown): void {
  const unref = (timer as { unref?: unknown } | null)?.unref;
  if (typeof unref === 'function') (unref as () => void).call(timer);
}

function describe(code: number, reason: string): string {
  return `${code}${reason ? ` ${reason}` : ''}`;
}

/**
 * The bidtape stream client: typed messages, automatic reconnect with resume, gap detection,
 * bounded async iterators, and bids with idempotent retries. Works in Node and browsers.
 */
export class BidtapeClient extends Emitter<ClientEvents> {
  private currentState: ConnectionState = 'connecting';
  private readonly codec: Codec;
  private readonly reconnectOptions: Required<ReconnectOptions> | null;
  private readonly market: MarketFeed;
  private readonly auctions: AuctionFeed;
  private socket: WebSocketLike | null = null;
  /** Incremented per socket: events of an abandoned socket are ignored. */
  private generation = 0;
  private attempt = 0;
  private openedAt = 0;
  private lastFrameAt = 0;
  private everOpened = false;
  private closedByClient = false;
  private firstOpen: { resolve: () => void; reject: (error: Error) => void } | null = null;
  private connecting: Promise<void> | null = null;
  private reconnectTimer: Timer | null = null;
  private livenessTimer: Timer | null = null;
  private nextId = 0;
  private readonly openWaiters = new Set<{ resolve: () => void; reject: (error: BidtapeError) => void }>();
  private readonly pending = new Map<number, PendingRequest>();

  constructor(private readonly options: BidtapeClientOptions) {
    super();
    this.codec = options.encoding === 'json' ? jsonCodec : protoCodec;
    this.reconnectOptions = options.reconnect === false ? null : Object.assign({}, DEFAULT_RECONNECT, options.reconnect);
    const wire = { write: (m: ClientMessageInit) => this.write(m), newId: () => this.newId() };
    this.market = new MarketFeed(wire, options.bufferSize ?? 1000, (gap) => this.emit('gap', gap));
    this.auctions = new AuctionFeed(wire);
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** True while a connection is open. */
  get connected(): boolean {
    return this.socket?.readyState === OPEN;
  }

  /** The last sequence number seen for a subscribed symbol. */
  lastSeq(symbol: string): number | undefined {
    return this.market.lastSeq(symbol.trim().toUpperCase());
  }

  /**
   * Opens the connection; resolves once it is open (state `live`). Rejects if this first
   * attempt fails; after that, dropped connections are reconnected automatically.
   */
  connect(): Promise<void> {
    if (this.connecting) return this.connecting;
    this.closedByClient = false;
    this.everOpened = false;
    this.attempt = 0;
    this.setState('connecting');
    this.connecting = new Promise<void>((resolve, reject) => (this.firstOpen = { resolve, reject }));
    void this.openSocket();
    return this.connecting;
  }

  /** Closes the connection for good: iterators end, waiting calls reject with CLOSED. */
  close(): void {
    this.shutdown(null);
  }

  /**
   * Ticks of `symbols`: first a snapshot per symbol, then updates at most `maxRate` per second
   * per symbol (0: every update; absent: the server default). One rate per symbol per
   * connection: subscribing a symbol again changes its rate for every subscription holding it.
   * `trades` and `candles` add those channels (delivered as events of the client).
   */
  subscribe(symbols: string[], options: { maxRate?: number } & ExtraChannels = {}): TickSubscription {
    const { maxRate, ...channels } = options;
    return this.market.subscribe(symbols, maxRate, this.connected, channels);
  }

  /**
   * An auction's snapshot, its bids in seq order (with `fromSeq`: first every bid after it,
   * from the auction's whole history), and its close.
   */
  watchAuction(auctionId: string, options: { fromSeq?: number } = {}): AuctionWatch {
    return this.auctions.watch(auctionId, options.fromSeq ?? null, this.connected);
  }

  /**
   * Places a bid and resolves with how it ended, never rejecting for an answer: accepted
   * (committed), rejected (with the reason and the next valid bid), or failed (a server `Error`,
   * or no answer before the deadline: `outcomeUnknown`). If the connection drops before the
   * answer, or the answer is retryable (RATE_LIMITED, TEMPORARILY_UNAVAILABLE), the same bid
   * with the same clientBidId is sent again (after the reconnect, with backoff) until
   * `deadlineMs`: the server never records it twice and answers a resend with the original
   * answer (`duplicate: true`). Rejects only for invalid arguments (TypeError).
   */
  async placeBid(bid: PlaceBidRequest, options: { deadlineMs?: number } = {}): Promise<BidResult> {
    const priceScale = bid.priceScale ?? this.auctions.priceScaleOf(bid.auctionId);
    const amount = minorAmount('amount', bid.amount, priceScale);
    const maxAmount = bid.maxAmount === undefined ? undefined : minorAmount('maxAmount', bid.maxAmount, priceScale);
    const clientBidId = bid.clientBidId ?? newClientBidId();
    const placeBid = { auctionId: bid.auctionId, amount, clientBidId, ...(maxAmount === undefined ? {} : { maxAmount }) };
    // Unknown outcome: a send of this bid got no answer (lost with its connection, or past the deadline).
    let unanswered = false;
    const failed = (error: BidtapeError): BidFailedResult => ({
      status: 'failed', accepted: false, auctionId: bid.auctionId, clientBidId, error, outcomeUnknown: unanswered,
    });
    const deadline = Date.now() + (options.deadlineMs ?? this.options.bidDeadlineMs ?? 10_000);
    let retryDelay = BID_RETRY_FIRST_MS;
    for (;;) {
      let answer: ServerMessage;
      try {
        await this.whenOpen(deadline, `no connection to send bid ${clientBidId} before the deadline`);
      } catch (error) {
        if (error instanceof BidtapeError) return failed(error);
        throw error;
      }
      try {
        answer = await this.request({ placeBid }, deadline - Date.now(), `no answer to bid ${clientBidId} before the deadline; its outcome is unknown`);
      } catch (error) {
        if (!(error instanceof BidtapeError)) throw error;
        if (error.code !== 'SERVER_ERROR') unanswered = true;
        // Dropped before the answer: send it again (same clientBidId) once reconnected.
        if (error.code === 'CONNECTION_LOST' || error.code === 'NOT_CONNECTED') continue;
        return failed(error);
      }
      const result = bidResult(answer, priceScale);
      if (result.accepted || !result.retryable || Date.now() + retryDelay >= deadline) return result;
      await new Promise((resolve) => setTimeout(resolve, retryDelay));
      retryDelay = Math.min(retryDelay * 2, BID_RETRY_MAX_MS);
    }
  }

  /** Publishes quotes and trades (an API key with feed:publish); resolves with the server's PublishAck. */
  async publish(request: PublishRequestInit): Promise<PublishAck> {
    const answer = await this.request({ publish: request }, this.options.requestTimeoutMs ?? 10_000, 'no answer to PublishRequest');
    return decoded(pb.PublishAck, answer.publishAck);
  }

  /** Round trip time in milliseconds (application-level Ping / Pong). */
  async ping(): Promise<number> {
    const started = performance.now();
    await this.request({ ping: { clientTime: Date.now() } }, this.options.requestTimeoutMs ?? 10_000, 'no pong');
    return performance.now() - started;
  }

  // ---- connection lifecycle --------------------------------------------------------------

  private async openSocket(): Promise<void> {
    const generation = ++this.generation;
    let socket: WebSocketLike;
    try {
      const url = new URL(this.options.url);
      if (this.options.bidder) url.searchParams.set('bidder', this.options.bidder);
      if (this.options.apiKey) url.searchParams.set('api_key', this.options.apiKey);
      const token = typeof this.options.token === 'function' ? await this.options.token() : this.options.token;
      if (token) url.searchParams.set('access_token', token);
      const WebSocketImpl = this.options.WebSocket ?? (await defaultWebSocket());
      if (generation !== this.generation) return; // closed meanwhile
      socket = new WebSocketImpl(url.toString(), this.codec.subprotocol);
    } catch (error) {
      this.onDrop(generation, 1006, (error as Error).message);
      return;
    }
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => generation === this.generation && this.onOpen(generation);
    socket.onmessage = (event) => generation === this.generation && this.onFrame(event.data);
    socket.onclose = (event) => this.onDrop(generation, event.code, event.reason);
    socket.onerror = () => undefined; // a close event follows, with the code
    this.socket = socket;
  }

  private onOpen(generation: number): void {
    const reconnected = this.everOpened;
    this.everOpened = true;
    this.openedAt = this.lastFrameAt = Date.now();
    this.watchLiveness(generation);
    for (const waiter of [...this.openWaiters]) waiter.resolve();
    const resubscribed = Promise.all([this.market.resubscribe(), this.auctions.resubscribe()]);
    if (!reconnected) {
      this.setState('live');
      this.firstOpen?.resolve();
      this.firstOpen = null;
      return;
    }
    void resubscribed.then(() => {
      if (generation === this.generation && this.connected) this.setState('resumed');
    });
  }

  private onDrop(generation: number, code: number, reason: string): void {
    if (generation !== this.generation) return;
    this.generation++;
    this.socket = null;
    this.clearLiveness();
    this.abandonRequests(new BidtapeError('CONNECTION_LOST', `connection lost (${describe(code, reason)})`));
    this.market.disconnected();
    this.auctions.disconnected();
    if (this.closedByClient) return;
    if (this.firstOpen) {
      // The very first attempt failed: tell connect() rather than retrying blindly.
      this.shutdown(new BidtapeError('CLOSED', `could not connect to ${this.options.url} (${describe(code, reason)})`));
      return;
    }
    const tokenCannotRenew = code === TOKEN_EXPIRED && typeof this.options.token !== 'function';
    const backoff = this.reconnectOptions;
    const willReconnect = backoff !== null && !FATAL_CLOSE_CODES.has(code) && !tokenCannotRenew;
    this.emit('disconnect', { code, reason, willReconnect });
    if (!willReconnect) {
      this.shutdown(new BidtapeError('CLOSED', `connection closed (${describe(code, reason)})`));
      return;
    }
    // A connection that stayed up a while starts the backoff afresh; a flapping one does not.
    if (Date.now() - this.openedAt > backoff.maxDelayMs) this.attempt = 0;
    const delay = backoffDelay(this.attempt++, backoff);
    if (this.currentState !== 'reconnecting') this.setState('reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.openSocket();
    }, delay);
  }

  /** Ends everything: close() (error null: iterations end normally), a fatal close, or a failed first connect. */
  private shutdown(error: BidtapeError | null): void {
    this.closedByClient = true;
    this.generation++;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.clearLiveness();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onmessage = () => undefined;
      socket.onclose = () => undefined;
      try {
        socket.close(1000, 'client closed');
      } catch {
        // still connecting: `ws` throws, browsers abort the handshake; either way it is gone
      }
    }
    const closed = error ?? new BidtapeError('CLOSED', 'the client was closed');
    this.abandonRequests(closed);
    for (const waiter of [...this.openWaiters]) waiter.reject(closed);
    this.firstOpen?.reject(closed);
    this.firstOpen = null;
    this.connecting = null;
    this.market.close(error);
    this.auctions.close(error);
    if (this.currentState !== 'closed') this.setState('closed');
  }

  private abandonRequests(error: BidtapeError): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(error);
  }

  /**
   * Liveness: anything received proves the connection alive (onFrame stamps the time); silence
   * past the timeout means it is dead even if no close ever arrives. One timer per connection,
   * re-armed for the time left, not one per message.
   */
  private watchLiveness(generation: number): void {
    const timeout = this.options.livenessTimeoutMs ?? 35_000;
    if (timeout <= 0) return;
    const check = () => {
      const socket = this.socket;
      if (generation !== this.generation || !socket) return;
      const silentFor = Date.now() - this.lastFrameAt;
      if (silentFor < timeout) {
        this.livenessTimer = setTimeout(check, timeout - silentFor);
        unrefTimer(this.livenessTimer);
        return;
      }
      socket.onclose = () => undefined;
      if (socket.terminate) socket.terminate();
      else socket.close(4000, 'nothing received');
      this.onDrop(generation, 1006, `nothing received for ${timeout} ms`);
    };
    this.livenessTimer = setTimeout(check, timeout);
    unrefTimer(this.livenessTimer);
  }

  private clearLiveness(): void {
    if (this.livenessTimer) clearTimeout(this.livenessTimer);
    this.livenessTimer = null;
  }

  private whenOpen(deadline: number, timeoutMessage: string): Promise<void> {
    if (this.connected) return Promise.resolve();
    if (this.closedByClient || this.currentState === 'closed') return Promise.reject(new BidtapeError('CLOSED', 'the client is closed'));
    if (!this.connecting) return Promise.reject(new BidtapeError('NOT_CONNECTED', 'call connect() first'));
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          this.openWaiters.delete(waiter);
          resolve();
        },
        reject: (error: BidtapeError) => {
          clearTimeout(timer);
          this.openWaiters.delete(waiter);
          reject(error);
        },
      };
      const timer = setTimeout(() => waiter.reject(new BidtapeError('TIMEOUT', timeoutMessage)), Math.max(0, deadline - Date.now()));
      this.openWaiters.add(waiter);
    });
  }

  private setState(state: ConnectionState): void {
    this.currentState = state;
    this.emit('state', state);
  }

  // ---- sending ---------------------------------------------------------------------------

  private newId(): number {
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1; // uint32 on the wire
    return this.nextId;
  }

  private write(message: ClientMessageInit): boolean {
    const socket = this.socket;
    if (socket?.readyState !== OPEN) return false;
    try {
      socket.send(this.codec.encode(message));
      return true;
    } catch {
      return false; // closing under us: the close event follows
    }
  }

  /** Sends a request and resolves with its answer (the message carrying its id). */
  private request(message: ClientMessageInit, timeoutMs: number, timeoutMessage: string): Promise<ServerMessage> {
    if (!this.connected) return Promise.reject(new BidtapeError('NOT_CONNECTED', 'not connected'));
    const id = this.newId();
    return new Promise<ServerMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new BidtapeError('TIMEOUT', timeoutMessage));
      }, Math.max(0, timeoutMs));
      this.pending.set(id, {
        resolve: (answer) => {
          clearTimeout(timer);
          resolve(answer);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.write(Object.assign({}, message, { id }));
    });
  }

  // ---- receiving -------------------------------------------------------------------------

  private onFrame(data: unknown): void {
    this.lastFrameAt = Date.now();
    let message: ServerMessage;
    try {
      message = this.codec.decode(data);
    } catch (error) {
      const detail = `undecodable server frame: ${(error as Error).message}`;
      this.emit('error', pb.Error.create({ code: pb.ErrorCode.ERROR_CODE_MALFORMED_MESSAGE, message: detail }));
      return;
    }
    this.route(message);
  }

  private route(message: ServerMessage): void {
    switch (message.kind) {
      case 'tick':
        return this.onTick(decoded(pb.Tick, message.tick));
      case 'tickBatch':
        for (const tick of decoded(pb.TickBatch, message.tickBatch).ticks) this.onTick(decoded(pb.Tick, tick));
        return;
      case 'snapshot':
        return this.market.onSnapshot(decoded(pb.Snapshot, message.snapshot));
      case 'subscribeAck':
        return this.market.onAck(decoded(pb.SubscribeAck, message.subscribeAck));
      case 'subscribeReject':
        return this.market.onReject(decoded(pb.SubscribeReject, message.subscribeReject));
      case 'auctionSnapshot':
        return this.auctions.onSnapshot(decoded(pb.AuctionSnapshot, message.auctionSnapshot));
      case 'bidUpdate':
        return this.auctions.onBid(decoded(pb.BidUpdate, message.bidUpdate));
      case 'auctionClosed':
        return this.auctions.onClosed(decoded(pb.AuctionClosed, message.auctionClosed));
      case 'outbid':
        return this.emit('outbid', decoded(pb.Outbid, message.outbid));
      case 'feedStatus':
        return this.emit('feedStatus', decoded(pb.FeedStatus, message.feedStatus));
      case 'slowConsumerWarning':
        return this.emit('slowConsumer', decoded(pb.SlowConsumerWarning, message.slowConsumerWarning));
      case 'trade':
        return this.onTrade(decoded(pb.Trade, message.trade));
      case 'tradeBatch':
        for (const trade of decoded(pb.TradeBatch, message.tradeBatch).trades) this.onTrade(decoded(pb.Trade, trade));
        return;
      case 'candle':
        return this.emit('candle', decoded(pb.Candle, message.candle));
      case 'candleHistory':
        return this.emit('candleHistory', decoded(pb.CandleHistory, message.candleHistory));
      case 'instrumentRetired':
        return this.emit('instrumentRetired', decoded(pb.InstrumentRetired, message.instrumentRetired));
      case 'authExpiring':
        return void this.refreshToken();
      case 'error':
        return this.onError(decoded(pb.Error, message.error));
      case 'pong':
      case 'bidAccepted':
      case 'bidRejected':
      case 'tokenRefreshed':
      case 'unsubscribeAck':
      case 'publishAck':
      case 'faultsInjected':
      case 'auctionUnsubscribed': {
        const requestId = message[message.kind]?.requestId ?? 0;
        const pending = this.pending.get(requestId);
        this.pending.delete(requestId);
        pending?.resolve(message);
        return;
      }
      case 'heartbeat': // its one job, proving the connection alive, is done by onFrame
      case undefined: // a message kind newer than this SDK
        return;
    }
  }

  private onTick(tick: Tick): void {
    const update = this.market.onTick(tick);
    if (update) this.emit('tick', update);
  }

  private onTrade(trade: Trade): void {
    this.emit('trade', Object.assign(trade, { epoch: this.market.epochOf(trade.symbol) ?? '' }));
  }

  private onError(error: ServerError): void {
    const failure = new BidtapeError('SERVER_ERROR', error.message, error.code);
    if (error.requestId !== 0) {
      if (this.market.onError(error.requestId, failure) || this.auctions.onError(error.requestId, failure)) return;
      const pending = this.pending.get(error.requestId);
      if (pending) {
        this.pending.delete(error.requestId);
        pending.reject(failure);
        return;
      }
    }
    this.emit('error', error);
  }

  /** AuthExpiring: renew the token on the live connection, when a token function was given. */
  private async refreshToken(): Promise<void> {
    const provider = this.options.token;
    if (typeof provider !== 'function') return;
    try {
      const token = await provider();
      const answer = await this.request({ refreshToken: { token } }, this.options.requestTimeoutMs ?? 10_000, 'no answer to RefreshToken');
      this.emit('tokenRefreshed', { expiresTimeUs: decoded(pb.TokenRefreshed, answer.tokenRefreshed).expiresTimeUs });
    } catch (error) {
      const code: ErrorCode = error instanceof BidtapeError && error.serverCode !== undefined ? error.serverCode : pb.ErrorCode.ERROR_CODE_UNAUTHENTICATED;
      this.emit('error', pb.Error.create({ code, message: `token refresh failed: ${(error as Error).message}` }));
    }
  }
}
