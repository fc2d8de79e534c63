/** IPC messages between the bench runner and the client harness child process. */

/**
 * What the clients speak: bidtape's protobuf subprotocol, its JSON one (`bidtape.v1.json`,
 * text frames), or Socket.IO v5 over Engine.IO v4 (the Socket.IO peer server; see
 * socketio-client.ts).
 */
export type ClientProtocol = 'bidtape' | 'json' | 'socketio';

/**
 * Reading like a client on a slow link: the socket stays paused and is resumed every
 * `intervalMs` until about `bytesPerSecond × intervalMs / 1000` bytes have come in, then paused
 * again (a read that overshoots is paid back at the next intervals). 0 bytes/s: never read.
 */
export interface SlowRead {
  bytesPerSecond: number;
  intervalMs: number;
}

/**
 * One class of the clients of a connect, with its own counters and latency histogram in the
 * window report. Unset fields take the connect command's.
 */
export interface ClientGroup {
  name: string;
  /** Share of the clients, 0–1; the last group takes what rounding leaves. */
  share: number;
  symbols?: string[];
  maxRate?: number;
  /** Decode and time every Nth update frame per client of this group; default: the start command's. */
  sampleEvery?: number;
  /** Loopback source address of this group's clients (lets `ss` tell the groups' sockets apart). */
  localAddress?: string;
  /** Unset: read everything as it comes. */
  slowRead?: SlowRead;
}

export interface ConnectCommand {
  type: 'connect';
  url: string;
  /** Default: bidtape. */
  protocol?: ClientProtocol;
  clients: number;
  /** Offer permessage-deflate with these server window bits; 0: do not offer it. */
  deflateWindowBits: number;
  concurrency: number;
  timeoutMs: number;
  /** Loopback source address to connect from (127.x.y.z): each gives its own ~28,000 ports. */
  localAddress?: string;
  /** What each client subscribes to (bidtape protocol); default BTC-USD. */
  symbols?: string[];
  /** The subscription's max_rate, updates/s per symbol; default 0 (every update). */
  maxRate?: number;
  /** Client classes; default one group, `all`, of every client with the settings above. */
  groups?: ClientGroup[];
}

/** Starts a measured window: counters and histogram are reset. */
export interface StartCommand {
  type: 'start';
  /** Decode and time every Nth update frame (Tick or TickBatch) per client. */
  sampleEvery: number;
}

/** Ends the window and reports what was received during it. */
export interface StopCommand {
  type: 'stop';
}

export type HarnessCommand = ConnectCommand | StartCommand | StopCommand;

export interface Connected {
  type: 'connected';
  /** Clients that opened and received their first message (the subscribe reply). */
  subscribed: number;
  failed: number;
  firstError?: string;
  seconds: number;
}

export interface LatencySummary {
  /** Ticks decoded and timed (every tick of a sampled TickBatch). */
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  meanMs: number;
  /** Samples with receive time before publish time (clock skew), recorded as 0. */
  negative: number;
}

/** What a set of clients received in the window. */
export interface WindowCounts {
  /**
   * Tick updates received by the clients in the window: a Tick counts 1, a TickBatch of n
   * ticks counts n. A Socket.IO tick is two frames (a text header, then the binary attachment
   * holding the ServerMessage): it counts once.
   */
  ticks: number;
  /** Frames that carried updates (a Tick or a TickBatch; a Socket.IO tick counts once). */
  updateFrames: number;
  updateFramesPerSecond: number;
  /** Other server messages (acks, snapshots, heartbeats, pings) in the window. */
  otherMessages: number;
  ticksPerSecond: number;
  /** TCP bytes read by the clients in the window (WebSocket framing included). */
  wireBytes: number;
  /** wireBytes per message received (ticks and other messages). */
  wireBytesPerMessage: number;
  latency: LatencySummary;
  /** Clients closed by the server during the window. */
  closed: number;
  /** Those closes by WebSocket close code (1006: the connection dropped without a close frame). */
  closeCodes: Record<string, number>;
}

export interface GroupWindow extends WindowCounts {
  name: string;
  /** Clients of the group that subscribed. */
  clients: number;
}

export interface WindowReport extends WindowCounts {
  type: 'window';
  seconds: number;
  /** Ticks per second in each half-second slice of the window. */
  timeline: number[];
  /** CPU time of the harness process over the window, % of one core. */
  cpuPercent: number;
  cpuUserPercent: number;
  cpuSystemPercent: number;
  /**
   * How late the harness's own event loop ran over the window (p99 and max, ms): a message that
   * arrives while it is busy waits that long before it is timed, so latencies near these are
   * the client's, not the server's.
   */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** The same counts per client group, in the connect command's order. */
  groups: GroupWindow[];
}

export interface HarnessFailure {
  type: 'failure';
  message: string;
}

export type HarnessReply = Connected | WindowReport | HarnessFailure;
