import '../src/gateway/wire/protobuf-numbers';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { bidtape } from '../src/generated/bidtape';
import { createAuction, placeBid } from './support/auctions';
import { freePort, handshake } from './support/handshake';
import { pollUntil } from './support/poll';
import { startTestPlatform, TEST_ADMIN_TOKEN, UNLIMITED } from './support/platform';
import { exitOf, startProcess } from './support/processes';
import { StreamClient } from './support/stream-client';

const Reason = bidtape.v1.BidRejectReason;


async function query<T>(url: string, sql: string, params: unknown[]): Promise<T[]> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    return (await db.query(sql, params)).rows as T[];
  } finally {
    await db.end();
  }
}

/** A PostgreSQL in a process of its own, to stop (a real shutdown) and restart under a running platform. */
async function stoppablePostgres(prefix: string): Promise<{ url: string; stop(): Promise<void>; restart(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  const port = String(await freePort());
  const start = () => startProcess('test/support/pg-server.ts', [path.join(dir, 'pg'), port], {}, /ready (\S+)/);
  let pg = start();
  const url = (await pg.match)[1];
  return {
    url,
    stop: async () => {
      pg.child.kill('SIGTERM');
      await exitOf(pg.child);
    },
    restart: async () => {
      pg = start();
      await pg.match;
    },
  };
}

describe('failures (real processes, real PostgreSQL)', () => {
  it('PostgreSQL stopped while bidding: retryable refusals, nothing acknowledged lost, bidding resumes by itself', async () => {
    const pg = await stoppablePostgres('bidtape-pgstop-');
    const url = pg.url;
    const platform = await startTestPlatform({ ...UNLIMITED, DATABASE_URL: url });
    try {
      const auction = await createAuction(platform.url, { startingPrice: 1000 });
      const bidders = await Promise.all(Array.from({ length: 8 }, (_, i) => StreamClient.connect(`${platform.wsUrl}?bidder=outage-${i}`)));
      const accepted = new Map<string, number>();
      const refused: string[] = [];
      let phase: 'before' | 'down' | 'after' = 'before';
      const acceptedAfterRestart = () => [...accepted.keys()].filter((id) => id.startsWith('after')).length;
      let stop = false;
      const loops = bidders.map(async (client, i) => {
        let next = 1000;
        let n = 0;
        while (!stop) {
          const answer = await placeBid(client, auction.id, next, { clientBidId: `${phase}-${i}-${n++}` });
          if (answer.accepted) {
            accepted.set(answer.clientBidId, answer.accepted.seq!);
            next = answer.accepted.nextMinimum!;
          } else {
            if (answer.rejected!.reason === Reason.BID_REJECT_REASON_TEMPORARILY_UNAVAILABLE) {
              expect(answer.rejected!.retryable).toBe(true);
              refused.push(answer.clientBidId);
              await new Promise((r) => setTimeout(r, 20));
            }
            next = Math.max(next, answer.rejected!.nextMinimum!);
          }
        }
      });

      await pollUntil('bids before the outage', () => accepted.size >= 10, 10_000);
      await pg.stop();
      phase = 'down';
      await pollUntil('retryable refusals during the outage', () => refused.length >= 5, 10_000);
      await pg.restart();
      phase = 'after';
      await pollUntil('bids accepted again after the restart', () => acceptedAfterRestart() >= 5, 20_000, 50);
      stop = true;
      await Promise.all(loops);
      bidders.forEach((b) => b.close());

      const rows = await query<{ seq: number; client_bid_id: string }>(url,
        'SELECT seq::int, client_bid_id FROM bids WHERE auction_id = $1 ORDER BY seq', [auction.id]);
      const stored = new Map(rows.map((r) => [r.client_bid_id, r.seq]));
      for (const [id, seq] of accepted) expect(stored.get(id)).toBe(seq); // nothing acknowledged is lost
      for (const id of refused) expect(stored.has(id)).toBe(false);
      expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
    } finally {
      await platform.stop();
      await pg.stop();
    }
  }, 90_000);

  it('PostgreSQL stopped: credentials that cannot be checked are 503 AUTH_UNAVAILABLE on REST as on the handshake, and work again after', async () => {
    const pg = await stoppablePostgres('bidtape-pgauth-');
    const platform = await startTestPlatform({ DATABASE_URL: pg.url });
    try {
      const created = await fetch(`${platform.url}/v1/admin/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'outage', scopes: ['feed:read', 'bid:write', 'auction:write', 'feed:publish'], publishSymbols: ['ACME'] }),
      });
      const { key } = (await created.json()) as { key: string };
      const headers = { 'x-api-key': key, 'content-type': 'application/json' };
      const calls = {
        publish: () => fetch(`${platform.url}/v1/publish`, { method: 'POST', headers, body: '{}' }),
        createAuction: () => fetch(`${platform.url}/v1/auctions`, { method: 'POST', headers, body: JSON.stringify({
          title: 'outage lot', currency: 'USD', priceScale: 2, startingPrice: 1000, endAt: new Date(Date.now() + 3_600_000).toISOString(),
        }) }),
      };
      await pg.stop();
      for (const [name, call] of Object.entries(calls)) {
        const response = await call();
        expect([name, response.status, await response.json()]).toEqual([name, 503, expect.objectContaining({ statusCode: 503, code: 'AUTH_UNAVAILABLE' })]);
      }
      const refused = await handshake(platform.wsUrl, { 'x-api-key': key });
      expect(refused.status).toBe(503);
      expect(refused.body).toMatch(/could not be checked/);

      await pg.restart();
      await pollUntil('credentials checked again', async () => (await calls.publish()).status === 200, 20_000, 200);
      expect((await calls.createAuction()).status).toBe(201);
      expect((await handshake(platform.wsUrl, { 'x-api-key': key })).status).toBe(101);
    } finally {
      await platform.stop();
      await pg.stop();
    }
  }, 60_000);

  it('SIGTERM drains: in-flight bids answered, clients told to reconnect (1001), clean exit', async () => {
    const app = startProcess('src/main.ts', [], {
      ...UNLIMITED,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      DATABASE_URL: process.env.DATABASE_URL,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SIM_ENABLED: 'false',
    }, /listening on (http:\/\/\S+)/);
    const base = (await app.match)[1];
    const wsUrl = `${base.replace('http', 'ws')}/v1/stream`;
    const auction = await createAuction(base, { startingPrice: 1000 });
    const clients = await Promise.all(Array.from({ length: 5 }, (_, i) => StreamClient.connect(`${wsUrl}?bidder=drain-${i}-${process.pid}`)));
    const sent: string[] = [];
    clients.forEach((c, i) => {
      for (let n = 0; n < 20; n++) {
        const clientBidId = `drain-${i}-${n}`;
        sent.push(clientBidId);
        c.send({ placeBid: { auctionId: auction.id, amount: 1000 + n * 50 + i, clientBidId } });
      }
    });
    app.child.kill('SIGTERM');
    const closes = await Promise.all(clients.map((c) => c.waitClosed(10_000)));
    expect(await exitOf(app.child)).toBe(0);
    expect(closes.every((c) => c.code === 1001 && /reconnect/.test(c.reason))).toBe(true);

    // Every bid sent before the shutdown got its answer before the close, and the answers match the database.
    const answers = clients.flatMap((c) => c.received.map((r) => r.message).filter((m) => m.bidAccepted || m.bidRejected));
    expect(answers).toHaveLength(sent.length);
    const rows = await query<{ client_bid_id: string }>(process.env.DATABASE_URL!, 'SELECT client_bid_id FROM bids WHERE auction_id = $1', [auction.id]);
    const stored = new Set(rows.map((r) => r.client_bid_id));
    for (const m of answers) {
      if (m.bidAccepted) expect(stored.has(m.bidAccepted.clientBidId!)).toBe(true);
      else expect(stored.has(m.bidRejected!.clientBidId!)).toBe(false);
    }
  }, 60_000);
});
