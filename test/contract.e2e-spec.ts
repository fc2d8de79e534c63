import '../src/gateway/wire/protobuf-numbers';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { ConnectionRegistry } from '../src/gateway/connection-registry.service';
import { bidtape } from '../src/generated/bidtape';
import { loadContract } from './support/asyncapi-payloads';
import { createAuction, placeBid, withDb } from './support/auctions';
import { docRow, docSection, protoComment } from './support/contract-text';
import { freshSymbol, publisherFor } from './support/market';
import { pollUntil } from './support/poll';
import { startTestPlatform, UNLIMITED } from './support/platform';
import { rawHttp, upgradeRequest } from './support/raw-socket';
import type { TestPlatform } from './support/platform';
import { StreamClient } from './support/stream-client';

const pb = bidtape.v1;
const Code = pb.ErrorCode;
const Reason = pb.BidRejectReason;
const RUN = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const JWT_SECRET = 'contract-test-secret-at-least-32-characters';
const MAX_PUBLISH_ITEMS = 5;

/** A bidder's bearer token for the contract platform. */
function bearerToken(subject: string): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(subject).setIssuer('bidtape').setAudience('bidtape-stream')
    .setExpirationTime(Math.floor(Date.now() / 1000) + 60).sign(new TextEncoder().encode(JWT_SECRET));
}

/** The message type names of a list in prose: `A, B, C and D (…` after `lead`. */
function namesListed(text: string, lead: string): string[] {
  const list = text.slice(text.indexOf(lead) + lead.length).split(' (')[0];
  return list.split(/, (?:and )?| and /).map((name) => name.trim()).sort();
}

/** A server message in the JSON mapping, as far as these tests read it. */
interface JsonAnswer {
  error?: { code: string; requestId?: number; message: string };
  pong?: Record<string, unknown>;
  auctionSnapshot?: Record<string, unknown>;
}

/** A raw JSON-subprotocol socket: sends exact text, returns the parsed answers. */
async function jsonSocket(url: string): Promise<{ send(text: string): void; next(): Promise<JsonAnswer>; close(): void }> {
  const ws = new WebSocket(url, 'bidtape.v1.json');
  const inbox: JsonAnswer[] = [];
  ws.on('message', (data: Buffer) => inbox.push(JSON.parse(data.toString()) as JsonAnswer));
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  let read = 0;
  return {
    send: (text) => ws.send(text),
    next: () => pollUntil('an answer', () => inbox[read] && inbox[read++], 3000),
    close: () => ws.terminate(),
  };
}

/**
 * What the .proto comments and docs/protocol.md promise, tried as a partner and an attacker
 * would (issue #10): each case here failed before the fix.
 */
describe('the contract, answer by answer', () => {
  let platform: TestPlatform;
  let other: TestPlatform;
  const clients: StreamClient[] = [];
  const connect = async (query = '', p = platform) => {
    const client = await StreamClient.connect(`${p.wsUrl}${query}`);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    [platform, other] = await Promise.all([
      startTestPlatform({
        ...UNLIMITED, INBOUND_MESSAGES_PER_SECOND: '1000', INBOUND_BURST: '1000',
        AUTH_JWT_SECRET: JWT_SECRET, FAULTS_ENABLED: 'true', MAX_PUBLISH_ITEMS: String(MAX_PUBLISH_ITEMS),
      }),
      startTestPlatform(UNLIMITED),
    ]);
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await Promise.all([platform.stop(), other.stop()]);
  });

  describe('bids: one client bid id, one request', () => {
    it('decides only one of two concurrent copies sent to two auctions on two app instances', async () => {
      const [first, second] = await Promise.all([createAuction(platform.url), createAuction(platform.url)]);
      for (let round = 0; round < 20; round++) {
        const handle = `race-${RUN}-${round}`;
        const [onOne, onOther] = await Promise.all([connect(`?bidder=${handle}`), connect(`?bidder=${handle}`, other)]);
        const id = `same-${round}`;
        const answers = await Promise.all([placeBid(onOne, first.id, 1000 + round * 100, { clientBidId: id }), placeBid(onOther, second.id, 1000 + round * 100, { clientBidId: id })]);
        const accepted = answers.filter((a) => a.accepted);
        // One bid exists; the other copy is refused as another request, never decided.
        expect(accepted).toHaveLength(1);
        expect(answers.filter((a) => a.rejected?.reason === Reason.BID_REJECT_REASON_IDEMPOTENCY_MISMATCH)).toHaveLength(1);
        const stored = await withDb(async (db) => (await db.query(
          `SELECT d.accepted, d.auction_id FROM bid_decisions d JOIN bidders b ON b.id = d.bidder_id WHERE b.handle = $1 AND d.client_bid_id = $2`,
          [handle, id])).rows);
        expect(stored).toEqual([{ accepted: true, auction_id: accepted[0].accepted!.auctionId }]);
        // A resend of the accepted original is answered with it, naming its own auction.
        const winner = accepted[0].accepted!;
        const resent = await placeBid(onOne, winner.auctionId!, 1000 + round * 100, { clientBidId: id });
        expect(resent.accepted).toMatchObject({ auctionId: winner.auctionId, seq: winner.seq, duplicate: true });
        onOne.close();
        onOther.close();
      }
    }, 60_000);

    it('refuses a resend that names another auction instead of acknowledging a bid that does not exist', async () => {
      const [a, b] = await Promise.all([createAuction(platform.url), createAuction(platform.url)]);
      const client = await connect(`?bidder=other-${RUN}`);
      const original = await placeBid(client, a.id, 1000, { clientBidId: 'x-1' });
      expect(original.accepted).not.toBeNull();
      const elsewhere = await placeBid(client, b.id, 1000, { clientBidId: 'x-1' });
      expect(elsewhere.accepted).toBeNull();
      expect(elsewhere.rejected).toMatchObject({ auctionId: b.id, reason: Reason.BID_REJECT_REASON_IDEMPOTENCY_MISMATCH, retryable: false, duplicate: false });
    });

    it('answers a PlaceBid over the inbound message rate with BidRejected RATE_LIMITED, not an Error', async () => {
      const limited = await startTestPlatform({ ...UNLIMITED, INBOUND_MESSAGES_PER_SECOND: '1', INBOUND_BURST: '1', INBOUND_STRIKES_TO_CLOSE: '100' });
      try {
        const auction = await createAuction(limited.url);
        const client = await StreamClient.connect(`${limited.wsUrl}?bidder=flood-${RUN}`);
        clients.push(client);
        for (let i = 0; i < 4; i++) client.send({ placeBid: { auctionId: auction.id, amount: 1000 + i * 100, clientBidId: `f-${i}` } });
        await pollUntil('four answers', () => client.of('bidAccepted').length + client.of('bidRejected').length === 4, 5000);
        expect(client.of('error')).toEqual([]);
        const rejected = client.of('bidRejected').map((m) => m.bidRejected!);
        expect(rejected.length).toBeGreaterThanOrEqual(2);
        expect(rejected.filter((r) => r.reason === Reason.BID_REJECT_REASON_RATE_LIMITED).every((r) => r.retryable && (r.clientBidId ?? '').startsWith('f-'))).toBe(true);
      } finally {
        await limited.stop();
      }
    });
  });

  describe('numbers and JSON', () => {
    it('accepts 64-bit integers as JSON strings, as the README example sends them', async () => {
      const socket = await jsonSocket(platform.wsUrl);
      socket.send('{"id":7,"ping":{"clientTime":"1700"}}');
      expect(await socket.next()).toMatchObject({ pong: { requestId: 7, clientTime: '1700' } });
      const auction = await createAuction(platform.url);
      socket.send(`{"id":8,"subscribeAuction":{"auctionId":"${auction.id}","fromSeq":"0"}}`);
      expect(await socket.next()).toMatchObject({ auctionSnapshot: { requestId: 8 } });
      socket.close();
    });

    it.each([
      ['a uint32 rate of 2^32', '{"id":5,"subscribe":{"symbols":["AAPL"],"maxRate":4294967296}}', 5, /subscribe\.maxRate/],
      ['a request id above 2^32 - 1', '{"id":4294967297,"ping":{"clientTime":1}}', 0, /\bid\b/],
      ['a non-integer client time', '{"id":6,"ping":{"clientTime":1e300}}', 6, /ping\.clientTime/],
      ['a fractional amount', '{"id":9,"placeBid":{"auctionId":"x","amount":10.5,"clientBidId":"q"}}', 9, /placeBid\.amount/],
      ['a 64-bit value beyond 2^53 as a string', '{"id":10,"ping":{"clientTime":"9007199254740993"}}', 10, /ping\.clientTime/],
    ])('refuses %s with MALFORMED_MESSAGE naming the field, keeping the readable request id', async (_case, text, requestId, field) => {
      const socket = await jsonSocket(platform.wsUrl);
      socket.send(text);
      const answer = await socket.next();
      expect(answer.error?.code).toBe('ERROR_CODE_MALFORMED_MESSAGE');
      expect(answer.error?.requestId ?? 0).toBe(requestId); // the JSON mapping omits 0
      expect(answer.error?.message).toMatch(field);
      socket.close();
    });

    it.each([
      ['2^53 + 1', 2n ** 53n + 1n],
      ['2^63 - 1', 2n ** 63n - 1n],
    ])('never changes a binary int64 (%s): refused, not rounded or wrapped', async (_case, value) => {
      const client = await connect();
      // Hand-built: ClientMessage{id=3, ping{client_time=value}}; protobufjs here would round the value first.
      const varint = (n: bigint) => { const out: number[] = []; while (n >= 0x80n) { out.push(Number(n & 0x7fn) | 0x80); n >>= 7n; } out.push(Number(n)); return out; };
      const ping = [0x08, ...varint(value)];
      client.ws.send(Buffer.from([0x08, 3, 0x62, ping.length, ...ping]));
      const error = (await client.waitFor('error')).error!;
      expect(error).toMatchObject({ code: Code.ERROR_CODE_MALFORMED_MESSAGE, requestId: 3 });
      expect(error.message).toMatch(/ping\.clientTime/);
      expect(client.of('pong')).toEqual([]);
    });

    it('answers SubscribeAuction with a 36-character non-UUID as an unknown auction', async () => {
      const client = await connect();
      const id = client.send({ subscribeAuction: { auctionId: 'z'.repeat(36) } });
      expect((await client.waitFor('error')).error).toMatchObject({ requestId: id, code: Code.ERROR_CODE_UNKNOWN_AUCTION });
    });

    it('answers a from_seq of 2^63 with exactly one answer', async () => {
      const auction = await createAuction(platform.url);
      const client = await connect();
      const ping = [0x08, ...[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]]; // from_seq = 2^63
      const body = [0x0a, 36, ...Buffer.from(auction.id), 0x10, ...ping.slice(1)];
      client.ws.send(Buffer.from([0x08, 4, 0x72, body.length, ...body]));
      const first = await client.waitFor('error');
      expect(first.error).toMatchObject({ requestId: 4, code: Code.ERROR_CODE_MALFORMED_MESSAGE });
      await new Promise((r) => setTimeout(r, 300));
      expect(client.received).toHaveLength(1);
    });

    it('keeps the request id of a binary message it cannot decode', async () => {
      const client = await connect();
      client.ws.send(Buffer.from([0x08, 42, 0x52, 0x05, 0x0a])); // id 42, then a truncated subscribe
      expect((await client.waitFor('error')).error).toMatchObject({ requestId: 42, code: Code.ERROR_CODE_MALFORMED_MESSAGE });
    });
  });

  describe('the documents, answer by answer', () => {
    const contract = loadContract();
    const casesOf = (envelope: string) => contract.lookupType(`bidtape.v1.${envelope}`).oneofs.kind.fieldsArray;

    it('lists every case of ClientMessage and ServerMessage in protocol.md\'s Messages', () => {
      const messages = docSection('protocol.md', '## Messages');
      const listed = (side: string) => [...messages.split(side)[1].split(' → ')[0].matchAll(/- ([^:]+):/g)]
        .flatMap((m) => m[1].split(',').map((name) => name.trim()));
      expect(listed('Client → server').sort()).toEqual(casesOf('ClientMessage').map((f) => f.name).sort());
      expect(listed('Server → client').sort()).toEqual(casesOf('ServerMessage').map((f) => f.name).sort());
    });

    it('echoes a message\'s id in every answer to it: exactly the answers ClientMessage.id and protocol.md list', async () => {
      const correlated = casesOf('ServerMessage').map((f) => f.resolvedType!.name)
        .filter((type) => contract.lookupType(`bidtape.v1.${type}`).fields.request_id).sort();
      expect(namesListed(protoComment('ClientMessage', 'id'), 'in every answer to this message: ')).toEqual(correlated);
      expect(namesListed(docSection('protocol.md', '## Messages'), 'the same value as request_id: ')).toEqual(correlated);

      // Each kind of client message with an id, and every answer it gets.
      const auction = await createAuction(platform.url);
      const subject = `echo-${RUN}`;
      const bidder = await connect(`?access_token=${await bearerToken(subject)}`);
      const symbol = freshSymbol('E');
      const publisher = await StreamClient.connect(platform.wsUrl, 'bidtape.v1.proto', { headers: { 'x-api-key': (await publisherFor(platform.url, symbol)).key } });
      clients.push(publisher);
      const sent: [StreamClient, bidtape.v1.IClientMessage][] = [
        [bidder, { id: 11, subscribe: { symbols: ['AAPL', 'NOPE'] } }],
        [bidder, { id: 12, unsubscribe: { symbols: ['AAPL'] } }],
        [bidder, { id: 13, ping: { clientTime: 1 } }],
        [bidder, { id: 14, placeBid: { auctionId: auction.id, amount: 1000, clientBidId: `echo-${RUN}-1` } }],
        [bidder, { id: 15, placeBid: { auctionId: auction.id, amount: 1, clientBidId: `echo-${RUN}-2` } }],
        [bidder, { id: 16, subscribeAuction: { auctionId: auction.id } }],
        [bidder, { id: 17, unsubscribeAuction: { auctionId: auction.id } }],
        [bidder, { id: 18, refreshToken: { token: await bearerToken(subject) } }],
        [bidder, { id: 19, injectFaults: { seed: 1 } }],
        [bidder, { id: 20, subscribe: { symbols: [] } }],
        [publisher, { id: 21, publish: { quotes: [{ symbol, bidPrice: 1000, askPrice: 1005, bidSize: 10, askSize: 10 }] } }],
      ];
      for (const [client, message] of sent) {
        client.send(message);
        await pollUntil(`an answer to ${message.id}`, () => client.received.some(({ message: m }) => answeredId(m) === message.id));
      }
      await new Promise((r) => setTimeout(r, 200)); // answers in several messages (subscribe) are sent together
      const answered = new Set<string>();
      for (const client of [bidder, publisher]) {
        for (const { message } of client.received) {
          const id = answeredId(message);
          if (id !== undefined && id !== 0) answered.add(message[message.kind!]!.constructor.name);
        }
      }
      expect([...answered].sort()).toEqual(correlated);
    });

    it.each([
      ['without symbols', { subscribe: { symbols: [] } }],
      ['empty symbol', { subscribe: { symbols: ['AAPL', ''] } }],
      ['SubscribeRequest … with an unknown channel', { subscribe: { symbols: ['AAPL'], channels: [9] } }],
      ['UnsubscribeRequest with an unknown channel', { unsubscribe: { symbols: ['AAPL'], channels: [9] } }],
      ['CHANNEL_CANDLES without a candle_interval', { subscribe: { symbols: ['AAPL'], channels: [pb.Channel.CHANNEL_CANDLES] } }],
      ['candle_history above 1000', { subscribe: { symbols: ['AAPL'], channels: [pb.Channel.CHANNEL_CANDLES], candleInterval: pb.CandleInterval.CANDLE_INTERVAL_1M, candleHistory: 1001 } }],
      ['PublishRequest over MAX_PUBLISH_ITEMS items', 'publish'],
      ['InjectFaults settings out of range', { injectFaults: { delayMs: 60_000 } }],
      ['?faults= handshake parameter that is not an InjectFaults in JSON', 'handshake'],
    ] as [string, bidtape.v1.IClientMessage | 'publish' | 'handshake'][])(
      'answers ERROR_CODE_INVALID_REQUEST, as the ErrorCode comment and protocol.md say, for %s',
      async (words, request) => {
        for (const text of [protoComment('ErrorCode', 'ERROR_CODE_INVALID_REQUEST'), docRow('protocol.md', 'ERROR_CODE_INVALID_REQUEST')]) {
          for (const part of words.split(' … ')) expect(text).toContain(part);
        }
        let client: StreamClient;
        let id = 0;
        if (request === 'handshake') {
          client = await connect(`?faults=${encodeURIComponent('{not json')}`);
        } else if (request === 'publish') {
          const symbol = freshSymbol('I');
          client = await StreamClient.connect(platform.wsUrl, 'bidtape.v1.proto', { headers: { 'x-api-key': (await publisherFor(platform.url, symbol)).key } });
          clients.push(client);
          const quote = { symbol, bidPrice: 1000, askPrice: 1005, bidSize: 10, askSize: 10 };
          id = client.send({ publish: { quotes: Array.from({ length: MAX_PUBLISH_ITEMS + 1 }, () => quote) } });
        } else {
          client = await connect();
          id = client.send(request);
        }
        expect((await client.waitFor('error')).error).toMatchObject({ requestId: id, code: Code.ERROR_CODE_INVALID_REQUEST });
        expect(client.of('subscribeAck').concat(client.of('unsubscribeAck'), client.of('publishAck'), client.of('faultsInjected'))).toEqual([]);
      },
    );
  });

  describe('handshakes', () => {
    const raw = (request: string) => rawHttp(Number(new URL(platform.url).port), request);
    const upgrade = (target: string, host = 'localhost') => upgradeRequest(target, { Host: host });

    it.each(['/v1/streamX', '/', '/v1/stream/'])('answers an upgrade on %s with a well-formed 404', async (target) => {
      const answer = await raw(upgrade(target));
      expect(answer).toMatch(/^HTTP\/1\.1 404 Not Found\r\n[\s\S]*\r\n\r\nNo WebSocket endpoint at /);
    });

    it('answers a bad Host header with a well-formed 400', async () => {
      const answer = await raw(upgrade('/v1/stream', 'a b'));
      expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*\r\n\r\n/);
    });
  });

  describe('health', () => {
    it('separates liveness from readiness: not ready while draining, still alive', async () => {
      const probe = await startTestPlatform();
      try {
        expect((await fetch(`${probe.url}/health/ready`)).status).toBe(200);
        probe.app.get(ConnectionRegistry).draining = true;
        const ready = await fetch(`${probe.url}/health/ready`);
        expect(ready.status).toBe(503);
        expect(await ready.json()).toMatchObject({ status: 'not ready', reasons: ['draining'] });
        expect((await fetch(`${probe.url}/health/live`)).status).toBe(200);
        expect((await fetch(`${probe.url}/health`)).status).toBe(503);
        probe.app.get(ConnectionRegistry).draining = false;
      } finally {
        await probe.stop();
      }
    });
  });
});

/** The request id a server message answers, if its type carries one. */
function answeredId(message: bidtape.v1.ServerMessage): number | undefined {
  const body = message.kind ? (message[message.kind] as { requestId?: number } | null | undefined) : undefined;
  return body && 'requestId' in body ? (body.requestId ?? 0) : undefined;
}
