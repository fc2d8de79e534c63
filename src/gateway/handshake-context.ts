import { Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { Principal } from '../auth/principal';

/** What the handshake decided about a connection, handed to the connection when it opens. */
export interface HandshakeContext {
  principal: Principal;
  /** The client's address (X-Forwarded-For from a trusted proxy, else the socket peer). */
  clientAddress: string;
  /** The `Sec-WebSocket-Extensions` value the server accepted; `ws` exposes only the names. */
  acceptedExtensions: string;
}

/** Handshake contexts by upgrade request, written by the adapter and read once by the registry. */
@Injectable()
export class HandshakeContexts {
  private readonly byRequest = new WeakMap<IncomingMessage, HandshakeContext>();

  set(request: IncomingMessage, context: HandshakeContext): void {
    this.byRequest.set(request, context);
  }

  get(request: IncomingMessage): HandshakeContext | undefined {
    return this.byRequest.get(request);
  }
}
