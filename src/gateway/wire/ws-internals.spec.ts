import WebSocket from 'ws';
import { checkWsInternals, socketOf } from './ws-internals';

describe(checkWsInternals.name, () => {
  it('passes with one deduplicated ws 8 (what package.json overrides guarantee)', () => {
    expect(() => checkWsInternals()).not.toThrow();
  });
});

describe(socketOf.name, () => {
  it('names what changed when the private socket field is gone', () => {
    expect(() => socketOf({})).toThrow(/WebSocket\._socket is missing/);
  });

  it('finds the socket of a real ws WebSocket once connected', async () => {
    const server = new WebSocket.Server({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as { port: number };
    const accepted = new Promise<WebSocket>((r) => server.once('connection', r));
    const client = new WebSocket(`ws://127.0.0.1:${port}`);
    client.on('error', () => undefined);
    await new Promise((r) => client.once('open', r));
    const ws = await accepted;
    expect(typeof socketOf<{ cork: unknown }>(ws).cork).toBe('function');
    client.terminate();
    await new Promise((r) => server.close(r));
  });
});
