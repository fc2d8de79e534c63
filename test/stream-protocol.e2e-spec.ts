import WebSocket from 'ws';
import '../src/gateway/wire/protobuf-numbers';
import { bidtape } from '../src/generated/bidtape';
import { pollUntil } from './support/poll';
import { quoteFor, startTestPlatform } from './support/platform';
import type { TestPlatform } from './support/platform';
import { StreamClient } from './support/stream-client';

const pb = bidtape.v1;
const Code = bidtape.v1.ErrorCode;

describe('stream protocol (real server, real sockets)', () => {
  let platform: TestPlatform;
  const clients: StreamClient[] = [];
  const connect = async (...args: Parameters<typeof StreamClient.connect>) => {
    const client = await StreamClient.connect(...args);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    platform = await startTestPlatform({ MAX_MESSAGE_BYTES: '4096', HEARTBEAT_INTERVAL_MS: '60000' });
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  afterAll(() => platform.stop());

  describe('handshake', () => {
    it.each(['bidtape.v1.proto', 'bidtape.v1.json'])('negotiates %s', async (protocol) => {
      const client = await connect(platform.wsUrl, protocol);
      expect(client.ws.protocol).toBe(protocol);
    });

    it('prefers the binary subprotocol when both are offered', async () => {
      const client = await connect(platform.wsUrl, ['bidtape.v1.json', 'bidtape.v1.proto'] as unknown as string);
      expect(client.ws.protocol).toBe('bidtape.v1.proto');
    });

    it.each([[['graphql-ws']], [[]]])('refuses a handshake offering %j with 400 and the reason', async (offered) => {
      const refusal = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const ws = new WebSocket(platform.wsUrl, offered);
        ws.on('open', () => reject(new Error('handshake was accepted')));
        ws.on('error', () => undefined);
        ws.on('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
      });
      expect(refusal.status).toBe(400);
      expect(refusal.body).toContain('bidtape.v1.proto');
    });
  });

  describe('subscribe', () => {
    it.each(['bidtape.v1.proto', 'bidtape.v1.json'])('answers ack, reject, snapshot, then updates (%s)', async (protocol) => {
      platform.market.publish(quoteFor('AAPL'));
      const before = platform.market.latest('AAPL')!;
      const client = await connect(platform.wsUrl, protocol);
      const id = client.subscribe(['AAPL', 'MSFT', 'NOPE'], 0);
      await client.waitFor('snapshot');
      platform.market.publish(quoteFor('AAPL'));
      await client.waitFor('tick');

      expect(client.received.map((r) => r.message.kind)).toEqual(['subscribeAck', 'subscribeReject', 'snapshot', 'tick']);
      const [ack, reject, snapshot, tick] = client.received.map((r) => r.message);
      expect(ack.subscribeAck).toMatchObject({ requestId: id, symbols: ['AAPL', 'MSFT'], maxRate: 0 });
      expect(reject.subscribeReject).toMatchObject({ requestId: id, symbols: ['NOPE'], code: Code.ERROR_CODE_UNKNOWN_SYMBOL });
      const aapl = snapshot.snapshot!.symbols!.find((s) => s.instrument!.symbol === 'AAPL')!;
      expect(aapl.instrument).toMatchObject({ displayName: 'Apple Inc.', priceScale: 2, tickSize: 1 });
      expect(aapl.latest).toMatchObject({ seq: before.seq, lastPrice: before.lastPrice });
      expect(aapl.epoch).toBe(platform.market.epoch);
      expect(tick.tick).toMatchObject({ symbol: 'AAPL', seq: before.seq + 1, firstSeq: before.seq + 1 });
    });

    it('uses the configured default rate when none is given', async () => {
      const client = await connect(platform.wsUrl);
      client.subscribe(['MSFT']);
      const ack = await client.waitFor('subscribeAck');
      expect(ack.subscribeAck!.maxRate).toBe(10);
    });

    it('refuses a rate above the maximum and an empty request with an error', async () => {
      const client = await connect(platform.wsUrl);
      const tooFast = client.subscribe(['AAPL'], 1_000_000);
      const empty = client.subscribe([]);
      await client.waitFor('error', 2);
      expect(client.of('error').map((m) => [m.error!.requestId, m.error!.code])).toEqual([
        [tooFast, Code.ERROR_CODE_INVALID_RATE],
        [empty, Code.ERROR_CODE_INVALID_REQUEST],
      ]);
      expect(client.of('subscribeAck')).toHaveLength(0);
    });

    it('stops updates after unsubscribe', async () => {
      const client = await connect(platform.wsUrl);
      client.subscribe(['NVDA'], 0);
      await client.waitFor('snapshot');
      client.send({ unsubscribe: { symbols: ['NVDA', 'AAPL'] } });
      const ack = await client.waitFor('unsubscribeAck');
      expect(ack.unsubscribeAck!.symbols).toEqual(['NVDA']);
      platform.market.publish(quoteFor('NVDA'));
      client.send({ ping: { clientTime: 7 } });
      await client.waitFor('pong');
      expect(client.ticks('NVDA')).toHaveLength(0);
    });
  });

  describe('bad input', () => {
    const frames: [string, (ws: WebSocket) => void, number][] = [
      ['random bytes', (ws) => ws.send(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01])), Code.ERROR_CODE_MALFORMED_MESSAGE],
      ['a truncated message', (ws) => ws.send(pb.ClientMessage.encode({ id: 3, subscribe: { symbols: ['AAPL'] } }).finish().subarray(0, 6)), Code.ERROR_CODE_MALFORMED_MESSAGE],
      ['an unknown oneof member', (ws) => ws.send(Buffer.from([0x08, 0x05, 0xca, 0x06, 0x00])), Code.ERROR_CODE_UNKNOWN_MESSAGE],
      ['a text frame', (ws) => ws.send('{"subscribe":{}}'), Code.ERROR_CODE_WRONG_FRAME_TYPE],
    ];

    it.each(frames)('answers %s with an error and keeps serving', async (_name, sendBad, code) => {
      const client = await connect(platform.wsUrl);
      sendBad(client.ws);
      const error = await client.waitFor('error');
      expect(error.error!.code).toBe(code);
      expect(error.error!.message).not.toBe('');
      client.send({ ping: { clientTime: 42 } });
      const pong = await client.waitFor('pong');
      expect(pong.pong!.clientTime).toBe(42);
    });

    it.each([
      ['invalid JSON', '{nope', Code.ERROR_CODE_MALFORMED_MESSAGE],
      ['a JSON array', '[1,2]', Code.ERROR_CODE_MALFORMED_MESSAGE],
      ['a wrongly typed field', '{"subscribe":{"symbols":"AAPL"}}', Code.ERROR_CODE_MALFORMED_MESSAGE],
      ['no kind', '{"id":4}', Code.ERROR_CODE_UNKNOWN_MESSAGE],
    ])('answers %s on the JSON subprotocol', async (_name, text, code) => {
      const client = await connect(platform.wsUrl, 'bidtape.v1.json');
      client.ws.send(text);
      expect((await client.waitFor('error')).error!.code).toBe(code);
      client.ws.send(Buffer.from([1, 2, 3]));
      expect((await client.waitFor('error', 2)).error!.code).toBe(Code.ERROR_CODE_WRONG_FRAME_TYPE);
    });

    it('closes with 1009 on a message over the size limit, and the server stays up', async () => {
      const client = await connect(platform.wsUrl);
      client.ws.send(Buffer.alloc(5000));
      expect((await client.waitClosed()).code).toBe(1009);
      const other = await connect(platform.wsUrl);
      other.subscribe(['AAPL'], 0);
      await other.waitFor('snapshot');
    });
  });

  it('serves /health and /metrics', async () => {
    const health = await fetch(`${platform.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', database: 'up' });
    const client = await connect(platform.wsUrl);
    client.subscribe(['AAPL'], 0);
    await client.waitFor('snapshot');
    const metrics = await pollUntil('the connection in /metrics', async () => {
      const text = await (await fetch(`${platform.url}/metrics`)).text();
      return /^bidtape_connections [1-9]/m.test(text) && text;
    });
    for (const name of ['bidtape_messages_out_total', 'bidtape_sent_bytes_total', 'bidtape_conflated_updates_total',
      'bidtape_deflate_input_bytes_total', 'bidtape_slow_consumer_actions_total{action="close"}']) {
      expect(metrics).toContain(name);
    }
  });
});
