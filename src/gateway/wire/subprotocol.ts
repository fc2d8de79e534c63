/** The two encodings of the v1 protocol, chosen per connection on the handshake. */
export enum Encoding {
  Proto = 0,
  Json = 1,
}

export const SUBPROTOCOL_PROTO = 'bidtape.v1.proto';
export const SUBPROTOCOL_JSON = 'bidtape.v1.json';

const BY_NAME = new Map<string, Encoding>([
  [SUBPROTOCOL_PROTO, Encoding.Proto],
  [SUBPROTOCOL_JSON, Encoding.Json],
]);

/** The server's pick among the offered subprotocols: binary first, JSON for debugging. */
export function chooseSubprotocol(offered: Iterable<string>): string | undefined {
  const set = new Set(offered);
  if (set.has(SUBPROTOCOL_PROTO)) return SUBPROTOCOL_PROTO;
  if (set.has(SUBPROTOCOL_JSON)) return SUBPROTOCOL_JSON;
  return undefined;
}

/** Parses a raw `Sec-WebSocket-Protocol` request header. */
export function parseProtocolHeader(header: string | undefined): string[] {
  return (header ?? '').split(',').map((p) => p.trim()).filter(Boolean);
}

export function encodingOf(subprotocol: string): Encoding | undefined {
  return BY_NAME.get(subprotocol);
}

/**
 * Server window bits of a negotiated permessage-deflate, or 0 when the connection does
 * not use compression. Read from the accepted `Sec-WebSocket-Extensions` value.
 */
export function negotiatedDeflateWindowBits(extensions: string): number {
  const offer = extensions.split(',').find((e) => e.trim().startsWith('permessage-deflate'));
  if (!offer) return 0;
  const match = /server_max_window_bits=(\d+)/.exec(offer);
  return match ? Number(match[1]) : 15;
}
