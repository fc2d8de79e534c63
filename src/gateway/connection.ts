import type { Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import WebSocket from 'ws';
import { anonymous } from '../auth/auth.service';
import type { Principal } from '../auth/principal';
import type { CandleInterval } from '../market/candles';
import type { FaultInjector } from './faults/fault-injector';
import type { ConsumerState } from './slow-consumer.policy';
import type { InboundLimiter } from '../limits/token-bucket';
import type { StreamStats } from './stream-stats';
import type { OutboundMessage } from './wire/outbound';
import { frameKind } from './wire/outbound';
import { Encoding } from './wire/subprotocol';
import { socketOf } from './wire/ws-internals';

/**
 * Connections written to in the current event-loop turn. Their frames wait, in order, until the
 * turn ends and then leave as one write per socket: every frame of one publish burst goes out in
 * a single syscall instead of one per frame (the dominant cost of fan-out), without adding
 * latency beyond the current turn. Joining the frames here rather than corking the socket keeps
 * Node's stream machinery to one write request per socket per turn: at a million frames a second
 * the per-frame requests of a corked socket were a third of the CPU, in garbage collection.
 * The slow-consumer check runs after the write, on what the client has really not taken yet.
 */
const logger = new Logger('Connection');
const pendingTurn: Connection[] = [];
let flushScheduled = false;

function flushTurns(): void {
  flushScheduled = false;
  for (const connection of pendingTurn.splice(0)) {
    try {
      connection.flushTurn();
    } catch (error) {
      // One connection's failure must not strand the frames of the others.
      logger.error(`connection ${connection.id}: writing the turn's frames failed: ${(error as Error).message}`);
    }
  }
}

/** One symbol subscribed on one connection. */
export interface Subscription {
  readonly connection: Connection;
  readonly symbol: string;
  /** Rate the client asked for, updates per second; 0 means every update. */
  requestedRate: number;
  /** Rate applied now: lower than requested while the connection is a slow consumer. */
  effectiveRate: number;
  /** Newest sequence number this connection has been sent for the symbol. */
  lastSentSeq: number;
}

/** The trades of one symbol on one connection. */
export interface TradeSubscription {
  readonly connection: Connection;
  readonly symbol: string;
  /** Batches per second; 0: every trade as it happens. */
  rate: number;
  /** Newest trade seq sent. */
  lastSentSeq: number;
}

/** The candles of one symbol at one interval on one connection. */
export interface CandleSubscription {
  readonly connection: Connection;
  readonly symbol: string;
  readonly interval: CandleInterval;
  /** Forming-candle updates per second; 0: every update. Closes are always sent. */
  rate: number;
}

export interface ConnectionOptions {
  /** Inbound message policy of this connection. */
  inbound: InboundLimiter;
  softLimitBytes: number;
  hardLimitBytes: number;
  /** Called when queued bytes pass the soft limit (or the hard one once degraded). */
  onBackpressure: (connection: Connection) => void;
  /** The client's address when the handshake knew better than the socket (a trusted proxy). */
  remoteAddress?: string;
}

/**
 * A client connection as the fan-out sees it. Frames are written straight to the TCP
 * socket: server frames are unmasked, so a frame built once is valid for every client and
 * per-client work is a single write. All data frames go this way, so they stay in order
 * (ws only writes control frames itself).
 */
export class Connection {
  /** Quote subscriptions, by symbol. */
  readonly subscriptions = new Map<string, Subscription>();
  readonly tradeSubscriptions = new Map<string, TradeSubscription>();
  /** By symbol: one candle interval per symbol per connection. */
  readonly candleSubscriptions = new Map<string, CandleSubscription>();

  /** Market-data subscriptions of every channel (each counts toward the per-connection limit). */
  get marketSubscriptionCount(): number {
    return this.subscriptions.size + this.tradeSubscriptions.size + this.candleSubscriptions.size;
  }
  consumer: ConsumerState = { kind: 'ok' };
  /** Cleared by each heartbeat sweep, set by a pong. */
  alive = true;
  /** Set by any write; the heartbeat sweep sends a Heartbeat only to idle connections. */
  sentSinceSweep = false;
  /** Who is connected, decided at the handshake; only its expiry changes (token refresh). */
  principal: Principal = anonymous();
  /** Last time the client sent a message (ms); for the idle policy. */
  lastInboundAt = Date.now();
  /** Whether the client was told its credentials expire soon. */
  expiryWarned = false;
  /** Auctions this connection watches. */
  readonly auctions = new Set<string>();
  /** Which shared frame variant this connection reads. */
  readonly kind: number;
  /** Faults this connection asked for (InjectFaults), or null. */
  faults: FaultInjector | null = null;
  private readonly socket: Socket;
  /** Frames of the current turn, not yet handed to the socket. */
  private readonly turnFrames: Buffer[] = [];
  private turnBytes = 0;

  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    readonly encoding: Encoding,
    /** Negotiated permessage-deflate window bits, 0 when not compressing. */
    readonly deflateWindowBits: number,
    private readonly stats: StreamStats,
    private readonly options: ConnectionOptions,
  ) {
    this.socket = socketOf<Socket>(ws);
    this.kind = frameKind(encoding, deflateWindowBits);
  }

  /** Binary and without injected faults: several ticks can be joined into one TickBatch. */
  get canBatch(): boolean {
    return this.encoding === Encoding.Proto && !this.faults;
  }

  /** Whether the next inbound message may be processed: 'refuse' answers it with an error, 'close' ends the connection. */
  admitInbound(nowMs: number): 'ok' | 'refuse' | 'close' {
    this.lastInboundAt = nowMs;
    return this.options.inbound.check(nowMs);
  }

  get remoteAddress(): string {
    return this.options.remoteAddress ?? this.socket.remoteAddress ?? '';
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Bytes accepted for sending that the client has not taken yet. */
  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  send(message: OutboundMessage): void {
    const frame = message.frame(this.kind);
    if (this.faults?.intercept(frame, message.tickBytes !== undefined)) return;
    this.writeFrame(frame);
  }

  writeFrame(frame: Buffer): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.turnFrames.length === 0) {
      pendingTurn.push(this);
      if (!flushScheduled) {
        flushScheduled = true;
        process.nextTick(flushTurns);
      }
    }
    this.turnFrames.push(frame);
    this.turnBytes += frame.length;
    this.sentSinceSweep = true;
    this.stats.messagesOut++;
    this.stats.bytesOut += frame.length;
  }

  /**
   * Closes with a close frame after whatever this turn already sent (a bid's answer, a
   * warning): the frames waiting for the end of the turn go first. Every close of a
   * connection goes through here, never `ws.close`.
   */
  close(code: number, reason: string): void {
    this.flushTurn();
    // eslint-disable-next-line no-restricted-syntax -- the one place that may: the turn is flushed
    this.ws.close(code, reason);
  }

  /** End of the turn: hand the burst to the kernel, then see whether the client keeps up. */
  flushTurn(): void {
    const frames = this.turnFrames;
    if (frames.length === 0) return;
    const data = frames.length === 1 ? frames[0] : Buffer.concat(frames, this.turnBytes);
    frames.length = 0;
    this.turnBytes = 0;
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.socket.write(data);
    const limit = this.consumer.kind === 'ok' ? this.options.softLimitBytes : this.options.hardLimitBytes;
    if (this.socket.writableLength > limit) this.options.onBackpressure(this);
  }
}
