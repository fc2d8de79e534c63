import WebSocket from 'ws';
import type { ClientOptions } from 'ws';
import '../../src/gateway/wire/protobuf-numbers';
import { bidtape } from '../../src/generated/bidtape';
import { pollUntil } from './poll';

const pb = bidtape.v1;
export type ServerMessage = bidtape.v1.ServerMessage;
export interface Received {
  message: ServerMessage;
  atMs: number;
}

/** A real `ws` client speaking bidtape.v1.proto (or .json) that records what it receives. */
export class StreamClient {
  readonly received: Received[] = [];
  closed?: { code: number; reason: string };
  private nextId = 1;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const message = isBinary ? pb.ServerMessage.decode(data) : pb.ServerMessage.fromObject(JSON.parse(data.toString()));
      this.received.push({ message, atMs: performance.now() });
    });
    ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }

  static connect(url: string, protocol = 'bidtape.v1.proto', options: ClientOptions = {}): Promise<StreamClient> {
    const ws = new WebSocket(url, protocol, { perMessageDeflate: false, ...options });
    const client = new StreamClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake refused: ${res.statusCode}`)));
    });
  }

  get json(): boolean {
    return this.ws.protocol === 'bidtape.v1.json';
  }

  send(message: bidtape.v1.IClientMessage): number {
    const id = message.id ?? this.nextId++;
    const full = { ...message, id };
    if (this.json) this.ws.send(JSON.stringify(pb.ClientMessage.toObject(pb.ClientMessage.fromObject(full))));
    else this.ws.send(pb.ClientMessage.encode(full).finish());
    return id;
  }

  subscribe(symbols: string[], maxRate?: number): number {
    return this.send({ subscribe: maxRate === undefined ? { symbols } : { symbols, maxRate } });
  }

  of<K extends NonNullable<ServerMessage['kind']>>(kind: K): ServerMessage[] {
    return this.received.filter((r) => r.message.kind === kind).map((r) => r.message);
  }

  /** Ticks in arrival order, batches flattened. */
  ticks(symbol?: string): bidtape.v1.ITick[] {
    const out: bidtape.v1.ITick[] = [];
    for (const { message } of this.received) {
      if (message.tick) out.push(message.tick);
      if (message.tickBatch) out.push(...(message.tickBatch.ticks ?? []));
    }
    return symbol ? out.filter((t) => t.symbol === symbol) : out;
  }

  /** Trades in arrival order, batches flattened. */
  trades(symbol?: string): bidtape.v1.ITrade[] {
    const out: bidtape.v1.ITrade[] = [];
    for (const { message } of this.received) {
      if (message.trade) out.push(message.trade);
      if (message.tradeBatch) out.push(...(message.tradeBatch.trades ?? []));
    }
    return symbol ? out.filter((t) => t.symbol === symbol) : out;
  }

  /** The `count`-th message of `kind` received since the connection opened. */
  async waitFor(kind: NonNullable<ServerMessage['kind']>, count = 1, timeoutMs = 3000): Promise<ServerMessage> {
    return pollUntil(`message ${count} of kind ${kind}`, () => this.of(kind)[count - 1], timeoutMs);
  }

  waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    return pollUntil('the connection to close', () => this.closed, timeoutMs);
  }

  close(): void {
    this.ws.terminate();
  }
}
