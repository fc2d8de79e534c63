import { Injectable, Logger } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type WebSocket from 'ws';
import { AppConfig } from '../config/app-config';
import { InboundLimiter } from '../limits/token-bucket';
import { KeyConnectionCount } from '../limits/shared-limits';
import type { CloseCode } from './close-codes';
import { Connection } from './connection';
import { HandshakeContexts } from './handshake-context';
import { StreamStats } from './stream-stats';
import { encodingOf, negotiatedDeflateWindowBits } from './wire/subprotocol';

type ConnectionListener = (connection: Connection) => void;

/**
 * The index of open connections: opens them from their handshake context, finds them, counts
 * them per address and per API key, and runs the one `closed` hook every feature that keeps
 * per-connection state subscribes to. The policies that act on connections (heartbeat,
 * credentials, slow consumers) live in ./policies.
 */
@Injectable()
export class ConnectionRegistry {
  private readonly logger = new Logger(ConnectionRegistry.name);
  private readonly byWs = new Map<WebSocket, Connection>();
  private readonly perAddress = new Map<string, number>();
  private readonly closedListeners: ConnectionListener[] = [];
  private backpressureListener: ConnectionListener = () => undefined;
  private nextId = 1;
  /** Set on shutdown: new handshakes are refused (503). */
  draining = false;

  constructor(
    private readonly config: AppConfig,
    private readonly stats: StreamStats,
    private readonly keyConnections: KeyConnectionCount,
    private readonly handshakes: HandshakeContexts,
  ) {}

  get size(): number {
    return this.byWs.size;
  }

  /** Runs for every connection that closes, whatever closed it. */
  onClosed(listener: ConnectionListener): void {
    this.closedListeners.push(listener);
  }

  /** Called when a connection's queued bytes pass its limit (the slow-consumer policy). */
  onBackpressure(listener: ConnectionListener): void {
    this.backpressureListener = listener;
  }

  open(ws: WebSocket, request: IncomingMessage): Connection {
    const env = this.config.env;
    const encoding = encodingOf(ws.protocol);
    if (encoding === undefined) throw new Error(`connection without a supported subprotocol: "${ws.protocol}"`);
    const handshake = this.handshakes.get(request);
    const connection = new Connection(
      this.nextId++,
      ws,
      encoding,
      negotiatedDeflateWindowBits(handshake?.acceptedExtensions ?? ''),
      this.stats,
      {
        inbound: new InboundLimiter(env.INBOUND_MESSAGES_PER_SECOND, env.INBOUND_BURST, env.INBOUND_STRIKES_TO_CLOSE, 10_000, Date.now()),
        softLimitBytes: env.SLOW_CONSUMER_SOFT_BYTES,
        hardLimitBytes: env.SLOW_CONSUMER_HARD_BYTES,
        onBackpressure: (c) => this.backpressureListener(c),
        remoteAddress: handshake?.clientAddress,
      },
    );
    ws.on('pong', () => (connection.alive = true));
    connection.principal = handshake?.principal ?? connection.principal;
    this.byWs.set(ws, connection);
    if (connection.principal.keyId) this.keyConnections.opened(connection.principal.keyId, connection.id);
    const address = connection.remoteAddress;
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    this.stats.connectionsOpen = this.byWs.size;
    this.stats.connectionsTotal++;
    this.logger.log(`connection ${connection.id} open from ${address} protocol=${ws.protocol} deflate=${connection.deflateWindowBits || 'off'}`);
    return connection;
  }

  /** Open connections from one remote address (for the per-address limit at the handshake). */
  connectionsFrom(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }

  all(): IterableIterator<Connection> {
    return this.byWs.values();
  }

  get(ws: WebSocket): Connection | undefined {
    return this.byWs.get(ws);
  }

  close(ws: WebSocket): Connection | undefined {
    const connection = this.byWs.get(ws);
    if (!connection) return undefined;
    this.byWs.delete(ws);
    const left = (this.perAddress.get(connection.remoteAddress) ?? 1) - 1;
    if (left > 0) this.perAddress.set(connection.remoteAddress, left);
    else this.perAddress.delete(connection.remoteAddress);
    if (connection.principal.keyId) this.keyConnections.closed(connection.principal.keyId, connection.id);
    for (const listener of this.closedListeners) listener(connection);
    this.stats.connectionsOpen = this.byWs.size;
    this.logger.log(`connection ${connection.id} closed`);
    return connection;
  }

  /** Asks every client to go elsewhere; used on shutdown. */
  closeAll(code: CloseCode, reason: string): void {
    for (const connection of this.byWs.values()) connection.close(code, reason);
  }
}
