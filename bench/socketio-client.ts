/**
 * The little of Engine.IO v4 / Socket.IO v5 the bench's clients need, over a raw `ws`
 * client: the handshake into the default namespace, answering pings, the subscribe event,
 * and telling a tick's header frame from other text.
 *
 * Engine.IO over WebSocket: a text frame is one packet whose first character is its type
 * (0 open, 2 ping, 3 pong, 4 message); a binary frame is a message holding those bytes
 * (engine.io-parser's encodePacket). A Socket.IO packet rides in a message: its type (0
 * CONNECT, 2 EVENT, 3 ACK, 4 CONNECT_ERROR, 5 BINARY_EVENT), for a binary event the number of
 * attachments and `-`, an ack id if any, then the JSON arguments, each Buffer replaced by a
 * `{"_placeholder":true,"num":i}` whose bytes follow as the next frames (socket.io-parser's
 * Encoder.encodeAsString / encodeAsBinary).
 */
import type WebSocket from 'ws';

const OPEN = '0';
const PING = '2';
const PONG = '3';
/** message(4) + CONNECT(0) of the default namespace; the server answers `40{"sid":…}`. */
const CONNECT = '40';
const CONNECT_ERROR = '44';
/** message(4) + EVENT(2) + ack id 1; the server's ack is `431[…]`. */
export const SUBSCRIBE_WITH_ACK = '421["subscribe"]';
/**
 * message(4) + BINARY_EVENT(5) + one attachment: `io.emit('tick', bytes)` is this text
 * frame, `451-["tick",{"_placeholder":true,"num":0}]`, then a binary frame with the bytes.
 */
export const TICK_HEADER_PREFIX = '451-["tick",';
const TICK_HEADER = Buffer.from(TICK_HEADER_PREFIX);
const PING_BYTE = PING.charCodeAt(0);

export type SocketIoText = 'tick-header' | 'ping' | 'other';

/** What a text frame from the server is; a `ping` must be answered with {@link pong}. */
export function classifyText(data: Buffer): SocketIoText {
  if (data.length === 1 && data[0] === PING_BYTE) return 'ping';
  const n = TICK_HEADER.length;
  return data.length > n && data.compare(TICK_HEADER, 0, n, 0, n) === 0 ? 'tick-header' : 'other';
}

export function pong(ws: WebSocket): void {
  ws.send(PONG);
}

/**
 * Waits for the Engine.IO open packet, connects the default namespace and resolves on the
 * server's CONNECT: only then may events be sent (the server drops packets for a namespace
 * the client has not joined yet).
 */
export function joinDefaultNamespace(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: Buffer, isBinary: boolean) => {
      const text = isBinary ? '' : data.toString();
      if (text.startsWith(OPEN)) ws.send(CONNECT);
      else if (text.startsWith(CONNECT)) done(resolve);
      else if (text.startsWith(CONNECT_ERROR)) done(() => reject(new Error(`namespace refused: ${text}`)));
      else if (text === PING) pong(ws);
    };
    const onClose = () => done(() => reject(new Error('closed during the Socket.IO handshake')));
    const done = (settle: () => void) => {
      ws.off('message', onMessage);
      ws.off('close', onClose);
      settle();
    };
    ws.on('message', onMessage);
    ws.once('close', onClose);
  });
}
