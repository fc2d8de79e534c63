import '../src/gateway/wire/protobuf-numbers';
import WebSocket from 'ws';
import { ConnectionRegistry } from '../src/gateway/connection-registry.service';
import { bidtape } from '../src/generated/bidtape';
import { createAuction, placeBid, withDb } from './support/auctions';
import { pollUntil } from './support/poll';
import { startTestPlatform, UNLIMITED } from './support/platform';
import { rawHttp, upgradeRequest } from './support/raw-socket';
import type { TestPlatform } from './support/platform';
import { StreamClient } from './support/stream-client';

const pb = bidtape.v1;
const Code = pb.ErrorCode;
const Reason = pb.BidRejectReason;
const RUN = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

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
      startTestPlatform({ ...UNLIMITED, INBOUND_MESSAGES_PER_SECOND: '1000', INBOUND_BURST: '1000' }),
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
