import '../src/gateway/wire/protobuf-numbers';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SignJWT } from 'jose';
import { bidtape } from '../src/generated/bidtape';
import { createAuction, placeBid, withDb } from './support/auctions';
import { docRow, protoComment } from './support/contract-text';
import { handshake } from './support/handshake';
import { apiKeySecret } from './support/api-keys';
import { startTestPlatform, TEST_ADMIN_TOKEN } from './support/platform';
import type { TestPlatform } from './support/platform';
import { StreamClient } from './support/stream-client';

const SECRET = 'test-secret-that-is-at-least-32-characters-long';
const ADMIN = TEST_ADMIN_TOKEN;
const Code = bidtape.v1.ErrorCode;
const Reason = bidtape.v1.BidRejectReason;

async function token(subject: string, options: { expiresInS?: number; audience?: string; secret?: string; scope?: string } = {}) {
  const jwt = new SignJWT(options.scope ? { scope: options.scope } : {})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuer('bidtape')
    .setAudience(options.audience ?? 'bidtape-stream')
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (options.expiresInS ?? 60));
  return jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
}


describe('authentication and authorization (real server, real sockets)', () => {
  let platform: TestPlatform;
  const clients: StreamClient[] = [];
  const connect = async (query: string, headers: Record<string, string> = {}) => {
    const client = await StreamClient.connect(`${platform.wsUrl}${query}`, 'bidtape.v1.proto', { headers });
    clients.push(client);
    return client;
  };
  const admin = (method: string, path: string, body?: unknown, credential = ADMIN) =>
    fetch(`${platform.url}/v1/admin/keys${path}`, {
      method,
      headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });

  beforeAll(async () => {
    platform = await startTestPlatform({
      AUTH_JWT_SECRET: SECRET,
      ADMIN_TOKEN: ADMIN,
      AUTH_ANONYMOUS_READ: 'false',
      DEV_BIDDERS_ENABLED: 'false',
      AUTH_EXPIRY_WARNING_MS: '4000',
      MAX_CONNECTIONS_PER_KEY: '2',
    });
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  afterAll(() => platform.stop());

  it.each([
    ['no credentials', () => Promise.resolve({}), /Credentials required/],
    ['a token signed with another key', async () => ({ authorization: `Bearer ${await token('alice', { secret: 'x'.repeat(40) })}` }), /signature/],
    ['a token for another audience', async () => ({ authorization: `Bearer ${await token('alice', { audience: 'other' })}` }), /aud/],
    ['an expired token', async () => ({ authorization: `Bearer ${await token('alice', { expiresInS: -10 })}` }), /exp/],
    ['an unknown API key', () => Promise.resolve({ 'x-api-key': 'btk_AAAAAAAAAAAA_' + 'A'.repeat(43) }), /Invalid or revoked API key/],
  ])('refuses the handshake with 401 for %s', async (_name, headers, reason) => {
    const refused = await handshake(platform.wsUrl, await headers());
    expect(refused.status).toBe(401);
    expect(refused.body).toMatch(reason);
  });

  it.each([
    ['the admin API', 'GET', '/v1/admin/keys', { authorization: `Bearer ${'x'.repeat(40)}` }],
    ['creating an auction', 'POST', '/v1/auctions', { authorization: `Bearer ${'x'.repeat(40)}` }],
    ['publishing', 'POST', '/v1/publish', { 'x-api-key': 'btk_AAAAAAAAAAAA_' + 'A'.repeat(43) }],
  ])('tells over REST no credential (CREDENTIALS_REQUIRED) from a wrong one (INVALID_CREDENTIALS): %s', async (_name, method, path, wrong) => {
    const call = (headers: Record<string, string>) =>
      fetch(`${platform.url}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, body: method === 'POST' ? '{}' : undefined });
    expect(await (await call({})).json()).toMatchObject({ statusCode: 401, code: 'CREDENTIALS_REQUIRED' });
    expect(await (await call(wrong)).json()).toMatchObject({ statusCode: 401, code: 'INVALID_CREDENTIALS' });
  });

  it('reads credentials on REST as docs/security.md says: from the query too, one judged, a token before a key, a header before the query', async () => {
    const { key } = (await (await admin('POST', '', { name: 'both', scopes: ['feed:publish'], publishSymbols: ['ACME'] })).json()) as { key: string };
    const badToken = await token('alice', { secret: 'x'.repeat(40) });
    const cases: [string, string, Record<string, string>, string][] = [
      ['the key in the query', `?api_key=${key}`, {}, 'OK'],
      ['the key in the header, another in the query', '?api_key=btk_nope', { 'x-api-key': key }, 'OK'],
      ['an invalid token beside a valid key', '', { authorization: `Bearer ${badToken}`, 'x-api-key': key }, 'INVALID_CREDENTIALS'],
      ['an invalid ?access_token beside a valid key', `?access_token=${badToken}`, { 'x-api-key': key }, 'INVALID_CREDENTIALS'],
      ['a valid token beside a valid key (the token, which never publishes)', '', { authorization: `Bearer ${await token('alice')}`, 'x-api-key': key }, 'FORBIDDEN'],
    ];
    for (const [name, query, headers, expected] of cases) {
      const response = await fetch(`${platform.url}/v1/publish${query}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
      const code = response.status === 200 ? 'OK' : ((await response.json()) as { code: string }).code;
      expect([name, code]).toEqual([name, expected]);
    }
    // The handshake judges the same way.
    expect((await handshake(platform.wsUrl, { authorization: `Bearer ${badToken}`, 'x-api-key': key })).status).toBe(401);
    expect((await handshake(`${platform.wsUrl}?api_key=${key}`)).status).toBe(101);

    const security = readFileSync(path.join(__dirname, '../docs/security.md'), 'utf8');
    const section = security.slice(security.indexOf('## Where credentials are read'));
    const read = readFileSync(path.join(__dirname, '../src/auth/auth.service.ts'), 'utf8');
    const parameters = [...read.matchAll(/searchParams\.get\('([^']+)'\)/g)].map((m) => m[1]);
    expect(parameters.sort()).toEqual(['access_token', 'api_key', 'bidder']);
    for (const parameter of parameters) expect(section).toContain(`?${parameter}=`);
    expect(section).toMatch(/accepted on REST too/);
    expect(section).toMatch(/judged by the token alone/);
  });

  it.each([
    ['invalid', async () => token('carol', { secret: 'x'.repeat(40) })],
    ['expired', async () => token('carol', { expiresInS: -10 })],
    ['for another subject', async () => token('mallory')],
    ['on a connection not opened with a bearer token', async () => token('carol')],
  ])('answers RefreshToken with ERROR_CODE_UNAUTHENTICATED, as the ErrorCode comment and protocol.md say, for a token %s', async (words, renewal) => {
    for (const text of [protoComment('ErrorCode', 'ERROR_CODE_UNAUTHENTICATED'), docRow('protocol.md', 'ERROR_CODE_UNAUTHENTICATED')]) expect(text).toContain(words);
    const byKey = words.includes('not opened with a bearer token');
    const key = byKey ? ((await (await admin('POST', '', { name: 'refresh', scopes: ['feed:read'] })).json()) as { key: string }).key : '';
    const client = await connect('', byKey ? { 'x-api-key': key } : { authorization: `Bearer ${await token('carol')}` });
    const id = client.send({ refreshToken: { token: await renewal() } });
    expect((await client.waitFor('error')).error).toMatchObject({ requestId: id, code: Code.ERROR_CODE_UNAUTHENTICATED });
    expect(client.of('tokenRefreshed')).toEqual([]);
  });

  it('lets a token holder bid only as the token subject', async () => {
    const auction = await createAuction(platform.url);
    const subject = `alice${Date.now()}`;
    // ?bidder= is ignored when dev identities are off; the token decides.
    const client = await connect(`?bidder=mallory&access_token=${await token(subject)}`);
    const { accepted, clientBidId } = await placeBid(client, auction.id, 1000);
    expect(accepted).not.toBeNull();
    const rows = await withDb((db) => db.query('SELECT b.handle FROM bids x JOIN bidders b ON b.id = x.bidder_id WHERE x.auction_id = $1 AND x.client_bid_id = $2', [auction.id, clientBidId]));
    expect(rows.rows).toEqual([{ handle: subject }]);
  });

  it('honours the scope claim: a read-only token cannot bid', async () => {
    const auction = await createAuction(platform.url);
    const client = await connect('', { authorization: `Bearer ${await token('reader', { scope: 'feed:read' })}` });
    expect((await placeBid(client, auction.id, 1000)).rejected!.reason).toBe(Reason.BID_REJECT_REASON_NOT_ALLOWED);
  });

  it('warns before expiry, renews on RefreshToken, and closes 4001 when a token runs out', async () => {
    const subject = `bob${Date.now()}`;
    const originalExpiry = (Math.floor(Date.now() / 1000) + 6) * 1000;
    const renewing = await connect('', { authorization: `Bearer ${await token(subject, { expiresInS: 6 })}` });
    const lapsing = await connect('', { authorization: `Bearer ${await token(`${subject}x`, { expiresInS: 2 })}` });
    await renewing.waitFor('authExpiring', 1, 5000); // sent 4 s before expiry
    renewing.send({ refreshToken: { token: await token('somebody-else') } });
    expect((await renewing.waitFor('error')).error!.code).toBe(Code.ERROR_CODE_UNAUTHENTICATED);
    renewing.send({ refreshToken: { token: await token(subject, { expiresInS: 120 }) } });
    const refreshed = (await renewing.waitFor('tokenRefreshed')).tokenRefreshed!;
    expect(refreshed.expiresTimeUs! / 1e6).toBeGreaterThan(Date.now() / 1000 + 100);
    expect((await lapsing.waitClosed(6000)).code).toBe(4001);
    await new Promise((r) => setTimeout(r, Math.max(0, originalExpiry + 1200 - Date.now()))); // past the original expiry
    expect(renewing.closed).toBeUndefined();
    renewing.send({ ping: { clientTime: 1 } });
    await renewing.waitFor('pong');
  });

  it('issues, scopes, limits and revokes API keys through the admin API; revocation reaches live connections', async () => {
    expect(await (await admin('POST', '', { name: 'x', scopes: ['feed:read'] }, 'wrong-admin-token-0123456789')).json()).toMatchObject({ statusCode: 401, code: 'INVALID_CREDENTIALS' });
    const created = (await (await admin('POST', '', { name: 'acme', scopes: ['feed:read'] })).json()) as { id: string; key: string; scopes: string[] };
    expect(created.key).toMatch(/^btk_\w{12}_[\w-]{43}$/);
    expect((await admin('POST', '', { name: 'bad', scopes: ['admin'] })).status).toBe(400);
    expect(await (await admin('POST', '', { name: 'bad', scopes: ['feed:read'], publishSymbols: ['ACME'] })).json()).toEqual({
      statusCode: 400, code: 'PUBLISH_SYMBOLS_WITHOUT_SCOPE', message: 'publishSymbols needs the feed:publish scope', error: 'Bad Request',
    });
    const listed = (await (await admin('GET', '')).json()) as { id: string }[];
    expect(listed.some((k) => k.id === created.id)).toBe(true);
    const secret = apiKeySecret(created.key);
    expect(secret).toHaveLength(43);
    expect(JSON.stringify(listed)).not.toContain(secret); // the secret is never shown again
    const { rows } = await withDb((db) => db.query('SELECT octet_length(secret_hash) AS n FROM api_keys WHERE id = $1', [created.id]));
    expect(rows[0].n).toBe(32); // stored as a SHA-256, not the key

    const reader = await connect('', { 'x-api-key': created.key });
    reader.subscribe(['AAPL'], 1);
    await reader.waitFor('snapshot');
    const auction = await createAuction(platform.url);
    expect((await placeBid(reader, auction.id, 1000)).rejected!.reason).toBe(Reason.BID_REJECT_REASON_NOT_ALLOWED);
    await connect(`?api_key=${created.key}`); // second connection: the per-key limit is 2
    expect((await handshake(platform.wsUrl, { 'x-api-key': created.key })).status).toBe(429);

    const bidderKey = (await (await admin('POST', '', { name: 'acme-bids', scopes: ['bid:write'] })).json()) as { key: string };
    const bidder = await connect('', { 'x-api-key': bidderKey.key });
    expect((await placeBid(bidder, auction.id, 1000)).accepted).not.toBeNull();
    bidder.subscribe(['AAPL']);
    expect((await bidder.waitFor('error')).error!.code).toBe(Code.ERROR_CODE_FORBIDDEN);

    expect((await admin('DELETE', `/${created.id}`)).status).toBe(204);
    expect((await reader.waitClosed(6000)).code).toBe(4003);
    expect((await handshake(platform.wsUrl, { 'x-api-key': created.key })).status).toBe(401);
  });
});
