import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The fan-out writes frames to the socket `ws` keeps in `WebSocket._socket` (see connection.ts):
 * a private field of ws 8. Checked at start, so an upgrade that moves it fails loudly instead
 * of silently dropping frames: the `ws` that @nestjs/platform-ws serves connections with must be
 * the application's own (package.json pins one with `overrides`), and a major version we know.
 */
export function checkWsInternals(): void {
  const own = require.resolve('ws');
  const nests = require.resolve('ws', { paths: [path.dirname(require.resolve('@nestjs/platform-ws'))] });
  if (own !== nests) throw new Error(`two copies of ws: the app's ${own} and @nestjs/platform-ws's ${nests}; dedupe them (package.json overrides)`);
  const { version } = JSON.parse(readFileSync(path.join(path.dirname(own), 'package.json'), 'utf8')) as { version: string };
  if (!version.startsWith('8.')) throw new Error(`ws ${version}: bidtape relies on ws 8 internals (WebSocket._socket)`);
}

/** The TCP socket of a ws 8 WebSocket, or an error naming what changed. */
export function socketOf<T>(ws: object): T {
  const socket = (ws as { _socket?: T })._socket;
  if (!socket) throw new Error('ws internals changed: WebSocket._socket is missing');
  return socket;
}
