import '../src/gateway/wire/protobuf-numbers';
import { bidtape } from '../src/generated/bidtape';
import { createAuction, placeBid } from './support/auctions';
import { pollUntil } from './support/poll';
import { handshake } from './support/handshake';
import { startTestPlatform } from './support/platform';
import type { TestPlatform } from './support/platform';
import { StreamClient } from './support/stream-client';

const Code = bidtape.v1.ErrorCode;


describe('limits (real server, real sockets)', () => {
  let platform: TestPlatform;
  const clients: StreamClient[] = [];
  beforeAll(async () => {
    platform = await startTestPlatform({
      INBOUND_MESSAGES_PER_SECOND: '5',
      INBOUND_BURST: '5',
      INBOUND_STRIKES_TO_CLOSE: '10',
      BIDS_PER_SECOND_PER_BIDDER: '2',
      MAX_CONNECTIONS_PER_ADDRESS: '6',
      ALLOWED_ORIGINS: 'https://app.bidtape.example',
    });
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  afterAll(() => platform.stop());

  it('refuses messages over the rate with an error, and closes 4029 on sustained excess', async () => {
    const client = await StreamClient.connect(platform.wsUrl);
    clients.push(client);
    for (let i = 0; i < 8; i++) client.send({ ping: { clientTime: i } });
    await client.waitFor('error', 3);
    expect(client.of('pong')).toHaveLength(5); // the burst
    expect(client.of('error').every((m) => m.error!.code === Code.ERROR_CODE_RATE_LIMITED)).toBe(true);
    for (let i = 0; i < 20; i++) client.send({ ping: { clientTime: i } });
    expect((await client.waitClosed()).code).toBe(4029);
  });

  it('limits bids per bidder across connections with a retryable rejection', async () => {
    const auction = await createAuction(platform.url);
    const handle = `eager-${Math.random().toString(36).slice(2, 8)}`;
    const [a, b] = await Promise.all([StreamClient.connect(`${platform.wsUrl}?bidder=${handle}`), StreamClient.connect(`${platform.wsUrl}?bidder=${handle}`)]);
    clients.push(a, b);
    const answers = await Promise.all([placeBid(a, auction.id, 1000), placeBid(b, auction.id, 5000), placeBid(a, auction.id, 9000), placeBid(b, auction.id, 20000), placeBid(a, auction.id, 50000)]);
    const limited = answers.filter((x) => x.rejected?.reason === bidtape.v1.BidRejectReason.BID_REJECT_REASON_RATE_LIMITED);
    expect(limited.length).toBeGreaterThanOrEqual(1); // burst of 4 (2/s x 2)
    expect(limited.every((x) => x.rejected!.retryable)).toBe(true);
  });

  it('refuses browsers from origins not on the allowlist (403) and admits listed and non-browser clients', async () => {
    expect(await handshake(platform.wsUrl, { Origin: 'https://evil.example' })).toMatchObject({ status: 403, body: expect.stringContaining('not allowed') });
    expect((await handshake(platform.wsUrl, { Origin: 'https://app.bidtape.example' })).status).toBe(101);
    expect((await handshake(platform.wsUrl)).status).toBe(101);
  });

  it('refuses more connections from one address than allowed (429)', async () => {
    for (let i = 0; i < 6; i++) clients.push(await StreamClient.connect(platform.wsUrl));
    const refused = await handshake(platform.wsUrl);
    expect(refused.status).toBe(429);
    clients.pop()!.close();
    await pollUntil('a slot to free up', async () => (await handshake(platform.wsUrl)).status === 101, 3000, 50);
  });
});
