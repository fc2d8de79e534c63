import { connect } from 'node:net';
import { startTestPlatform } from './support/platform';
import type { TestPlatform } from './support/platform';
import { StreamClient } from './support/stream-client';

describe('handshake and idle timeouts', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ HANDSHAKE_TIMEOUT_MS: '300', IDLE_TIMEOUT_MS: '400', HEARTBEAT_INTERVAL_MS: '100' });
  });
  afterAll(() => platform.stop());

  it('drops a TCP connection that never completes its handshake', async () => {
    const port = Number(new URL(platform.url).port);
    const socket = connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write('GET /v1/stream HTTP/1.1\r\nHost: x\r\n'); // headers never finished
    const started = Date.now();
    await new Promise((r) => socket.once('close', r));
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('gives the next request on a keep-alive connection no more time than the first (slowloris)', async () => {
    const port = Number(new URL(platform.url).port);
    const socket = connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    let answered = '';
    socket.on('data', (d: Buffer) => (answered += d.toString()));
    socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    await new Promise((r) => setTimeout(r, 100));
    expect(answered).toMatch(/^HTTP\/1\.1 200/);
    const started = Date.now();
    socket.write('GET /health/live HTTP/1.1\r\n'); // then one header byte at a time, too slowly
    const trickle = setInterval(() => socket.writable && socket.write('X'), 100);
    await new Promise((r) => socket.once('close', r));
    clearInterval(trickle);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('closes an idle connection with 4000 and keeps a quiet subscriber', async () => {
    const idle = await StreamClient.connect(platform.wsUrl);
    const subscriber = await StreamClient.connect(platform.wsUrl);
    subscriber.subscribe(['AAPL'], 1);
    await subscriber.waitFor('subscribeAck');
    expect((await idle.waitClosed(3000)).code).toBe(4000);
    await new Promise((r) => setTimeout(r, 600));
    expect(subscriber.closed).toBeUndefined();
    subscriber.close();
  });
});
