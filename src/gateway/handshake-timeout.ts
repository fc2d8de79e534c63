import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Drops TCP connections that have not completed an HTTP request or WebSocket upgrade within
 * `timeoutMs`: a peer that connects and sends nothing (or trickles headers) holds no socket
 * for long. The clock starts again after each response on a keep-alive connection, so the next
 * request's headers get no more time than the first one's. Node's own header timeout is only
 * checked every 30 s.
 */
export function guardHandshakes(server: Server, timeoutMs: number): void {
  const pending = new WeakMap<Socket, NodeJS.Timeout>();
  const settle = (socket: Socket) => {
    clearTimeout(pending.get(socket));
    pending.delete(socket);
  };
  const arm = (socket: Socket) => {
    if (socket.destroyed) return;
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    timer.unref();
    pending.set(socket, timer);
  };
  server.on('connection', (socket: Socket) => {
    arm(socket);
    socket.once('close', () => settle(socket));
  });
  server.on('request', (request: { socket: Socket }, response: { once(event: 'finish', listener: () => void): unknown }) => {
    settle(request.socket);
    response.once('finish', () => arm(request.socket));
  });
  server.on('upgrade', (request: { socket: Socket }) => settle(request.socket));
}
