/**
 * The WebSocket surface the client needs, satisfied by browsers' WebSocket, Node 22+'s
 * global WebSocket and the `ws` package alike.
 */

// Method-style parameter checking, so implementations typed with richer event types
// (DOM `MessageEvent`, `ws`'s `WebSocket.MessageEvent`) are accepted as they are.
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
  send(data: Uint8Array | string): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: drop the TCP connection without a closing handshake. */
  terminate?(): void;
}

export type WebSocketConstructor = new (url: string, protocols: string | string[]) => WebSocketLike;

export const OPEN = 1;

// The CommonJS module scope's `require` (Node's default, ts-node, jest), declared here rather
// than through Node's type declarations so that browser projects compile this file as is.
declare const require: ((id: string) => unknown) | undefined;

let nodeWebSocket: Promise<WebSocketConstructor> | undefined;

/** `globalThis.WebSocket` (browsers, Node 22+), else the `ws` package (Node 20). */
export function defaultWebSocket(): Promise<WebSocketConstructor> {
  const native = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (native) return Promise.resolve(native);
  nodeWebSocket ??= loadWs().then(
    (module) => {
      const exported = module as { WebSocket?: WebSocketConstructor; default?: WebSocketConstructor } | WebSocketConstructor;
      const constructor = typeof exported === 'function' ? exported : (exported.WebSocket ?? exported.default);
      if (!constructor) throw new Error('the "ws" package has no WebSocket export');
      return constructor;
    },
    () => {
      throw new Error('no WebSocket implementation: pass the WebSocket option, or install the "ws" package');
    },
  );
  return nodeWebSocket;
}

/**
 * Never reached in browsers (they have WebSocket), so bundlers need not resolve it: the specifier
 * is computed. A dynamic import works from ES modules and CommonJS alike; `require` is the
 * fallback for CommonJS hosts without dynamic import (jest's module sandbox).
 */
async function loadWs(): Promise<unknown> {
  const specifier = 'ws';
  try {
    return await (import(specifier) as Promise<unknown>);
  } catch (error) {
    if (typeof require !== 'function') throw error;
    return require(specifier);
  }
}
