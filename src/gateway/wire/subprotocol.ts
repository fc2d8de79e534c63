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

/**
 * Whether one of the `permessage-deflate` offers in a Sec-WebSocket-Extensions header can be
 * answered with the server's settings (window `windowBits` both ways, no context takeover):
 * the client must let the server limit its window (`client_max_window_bits`, RFC 7692 §7.1.2.2)
 * and must not demand a server window below ours. Offers that cannot are declined by dropping
 * them, and the connection proceeds uncompressed (RFC 7692 §5) instead of being refused.
 */
export function acceptableDeflateOffer(header: string, windowBits: number): boolean {
  for (const offer of header.split(',')) {
    const [name, ...params] = offer.split(';').map((p) => p.trim().toLowerCase());
    if (name !== 'permessage-deflate') continue;
    const values = new Map(params.map((p) => { const [k, v] = p.split('=').map((x) => x.trim().replace(/^"|"$/g, '')); return [k, v] as const; }));
    if (!values.has('client_max_window_bits')) continue;
    const serverLimit = values.get('server_max_window_bits');
    if (serverLimit !== undefined && !(Number(serverLimit) >= windowBits)) continue;
    return true;
  }
  return false;
}

/** Removes the deflate offers a handshake cannot be answered with (see acceptableDeflateOffer). */
export function declineUnacceptableDeflate(headers: Record<string, string | string[] | undefined>, windowBits: number): void {
  const header = headers['sec-websocket-extensions'];
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value !== undefined && !acceptableDeflateOffer(value, windowBits)) delete headers['sec-websocket-extensions'];
}
