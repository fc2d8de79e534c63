import { ConnectionRegistry } from '../src/gateway/connection-registry.service';
import { FrameEncoder } from '../src/gateway/wire/outbound';
import { pollUntil } from './support/poll';
import { startTestPlatform } from './support/platform';
import type { TestPlatform } from './support/platform';
import { StreamClient } from './support/stream-client';

/**
 * Frames written in one event-loop turn wait for the end of the turn and leave as one write
 * per socket (src/gateway/connection.ts). Whatever closes a connection in that turn must not
 * overtake them: a client would drop data that follows a close frame.
 */
describe('frames of one turn (real server, real sockets)', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform();
  });
  afterAll(() => platform.stop());

  it('delivers every frame of the turn, in order, before a close made in the same turn', async () => {
    const client = await StreamClient.connect(platform.wsUrl);
    const registry = platform.app.get(ConnectionRegistry);
    const encoder = platform.app.get(FrameEncoder);
    const connection = await pollUntil('the server side of the connection', () => [...registry.all()][0]);
    for (const serverTimeUs of [1, 2, 3]) connection.send(encoder.message({ heartbeat: { serverTimeUs } }));
    connection.close(4000, 'test: close after three frames');

    const closed = await client.waitClosed();
    expect(closed).toEqual({ code: 4000, reason: 'test: close after three frames' });
    expect(client.received.map((r) => Number(r.message.heartbeat?.serverTimeUs))).toEqual([1, 2, 3]);
  });

  it('drops nothing when frames of several turns queue up behind a slow reader', async () => {
    const client = await StreamClient.connect(platform.wsUrl);
    const registry = platform.app.get(ConnectionRegistry);
    const encoder = platform.app.get(FrameEncoder);
    const connection = await pollUntil('the connection', () => [...registry.all()].filter((c) => c.isOpen).pop());
    for (let turn = 0; turn < 5; turn++) {
      for (let i = 0; i < 100; i++) connection.send(encoder.message({ heartbeat: { serverTimeUs: turn * 100 + i + 1 } }));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await pollUntil('500 frames', () => client.received.length >= 500);
    expect(client.received.map((r) => Number(r.message.heartbeat?.serverTimeUs))).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    client.close();
  });
});
