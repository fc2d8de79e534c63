/** IPC messages between the bench runner and the client harness child process. */

/**
 * What the clients speak: bidtape's protobuf subprotocol, or Socket.IO v5 over Engine.IO v4
 * (the Socket.IO peer server; see socketio-client.ts).
 */
export type ClientProtocol = 'bidtape' | 'socketio';

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

export interface WindowReport {
  type: 'window';
  seconds: number;
  /**
   * Tick updates received by all clients in the window: a Tick counts 1, a TickBatch of n
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
  /** Ticks per second in each half-second slice of the window. */
  timeline: number[];
  /** TCP bytes read by all clients per tick received (WebSocket framing included). */
  wireBytesPerMessage: number;
  latency: LatencySummary;
  /** CPU time of the harness process over the window, % of one core. */
  cpuPercent: number;
  cpuUserPercent: number;
  cpuSystemPercent: number;
  /** Clients closed by the server during the window. */
  closed: number;
}

export interface HarnessFailure {
  type: 'failure';
  message: string;
}

export type HarnessReply = Connected | WindowReport | HarnessFailure;
