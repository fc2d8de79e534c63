import { pollUntil } from './support/poll';
import { startTestPlatform } from './support/platform';
import type { TestPlatform } from './support/platform';

describe('simulated auctions', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ SIM_ENABLED: 'true', SIM_TICKS_PER_SECOND: '10', SIM_AUCTIONS: '2', SIM_BIDS_PER_SECOND: '100' });
  });
  afterAll(() => platform.stop());

  it('keeps live auctions open and has bots bidding on them out of the box', async () => {
    const withBids = await pollUntil('simulated auctions with bids', async () => {
      const list = (await (await fetch(`${platform.url}/v1/auctions?status=open&limit=200`)).json()) as
        { id: string; title: string; bidCount: number; currentPrice: number; startingPrice: number; leader: string | null }[];
      const simulated = list.filter((a) => a.bidCount >= 3);
      return simulated.length >= 1 && simulated;
    }, 15_000, 200);
    const auction = withBids[0];
    expect(auction.currentPrice).toBeGreaterThanOrEqual(auction.startingPrice);
    expect(auction.leader).toMatch(/^bidder-/);
    const history = (await (await fetch(`${platform.url}/v1/auctions/${auction.id}/bids?limit=100`)).json()) as { bids: { seq: number }[] };
    expect(history.bids.map((b) => b.seq)).toEqual(history.bids.map((_, i) => i + 1));
  });
});
