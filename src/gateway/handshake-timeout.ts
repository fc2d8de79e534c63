import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Drops TCP connections that have not completed an HTTP request or WebSocket upgrade within
 * `timeoutMs`: a peer that connects and sends nothing (or trickles headers) holds no socket
 * for long. Node's own header timeout is only checked every 30 s.
 */
export function guardHandshakes(server: Server, timeoutMs: number): void {
  const pending = new WeakMap<Socket, NodeJS.Timeout>();
  const settle = (socket: Socket) => {
    clearTimeout(pending.get(socket));
    pending.delete(socket);
  };
  server.on('connection', (socket: Socket) => {
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    timer.unref();
    pending.set(socket, timer);
    socket.once('close', () => settle(socket));
  });
  server.on('request', (request: { socket: Socket }) => settle(request.socket));
  server.on('upgrade', (request: { socket: Socket }) => settle(request.socket));
}
