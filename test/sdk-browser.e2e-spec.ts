import type { Browser } from 'playwright-core';
import type * as Sdk from '../sdk/src';
import { createAuction } from './support/auctions';
import { browserAvailable, launchBrowser } from './support/browser';
import { quoteFor, startTestPlatform } from './support/platform';
import type { TestPlatform } from './support/platform';
import { requireBuiltSdk, SDK_BROWSER_BUNDLE } from './support/sdk-build';

/** The SDK's browser bundle, as packed: one classic script setting window.Bidtape. */
const BUNDLE = SDK_BROWSER_BUNDLE;

const describeBrowser = browserAvailable() ? describe : describe.skip;

describeBrowser('the TypeScript SDK in a browser (headless Chromium)', () => {
  let platform: TestPlatform;
  let browser: Browser;
  beforeAll(async () => {
    requireBuiltSdk();
    [platform, browser] = await Promise.all([startTestPlatform(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('streams prices, bids and pings over the browser WebSocket, with no Node APIs', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.setContent('<!doctype html><title>SDK</title>');
    await page.addScriptTag({ path: BUNDLE });
    platform.market.publish(quoteFor('BTC-USD'));
    const auction = await createAuction(platform.url, { startingPrice: 1000 });
    const ticker = setInterval(() => platform.market.publish(quoteFor('BTC-USD')), 30);

    const result = await page.evaluate(async ({ url, auctionId, bidder }) => {
      const { BidtapeClient, formatMinor } = (window as unknown as { Bidtape: typeof Sdk }).Bidtape;
      const client = new BidtapeClient({ url, bidder });
      const states: string[] = [];
      client.on('state', (s) => states.push(s));
      await client.connect();
      const seen: { snapshot: boolean; seq: number; last: string }[] = [];
      for await (const u of client.subscribe(['BTC-USD'], { maxRate: 0 })) {
        seen.push({ snapshot: u.snapshot, seq: u.tick.seq, last: formatMinor(u.tick.lastPrice, u.instrument.priceScale) });
        if (seen.length === 2) break;
      }
      const bid = await client.placeBid({ auctionId, amount: '10.00', priceScale: 2 });
      // Pages served over plain http from another host are no secure context: no randomUUID there.
      Object.defineProperty(crypto, 'randomUUID', { value: undefined });
      const second = await client.placeBid({ auctionId, amount: 1100 });
      const rtt = await client.ping();
      client.close();
      return { states, seen, bid, second: { status: second.status, clientBidId: second.clientBidId }, rtt };
    }, { url: platform.wsUrl, auctionId: auction.id, bidder: `browser-${process.pid}-${Date.now()}` }).finally(() => clearInterval(ticker));

    expect(errors).toEqual([]);
    expect(result.states).toEqual(['connecting', 'live', 'closed']);
    expect(result.seen.map((u) => u.snapshot)).toEqual([true, false]);
    expect(result.seen[1].seq).toBe(result.seen[0].seq + 1);
    expect(result.seen[1].last).toMatch(/^\d+\.\d{2}$/);
    expect(result.bid).toMatchObject({ status: 'accepted', seq: 1, price: 1000, leading: true, decimal: { price: '10.00' } });
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(result.bid.clientBidId).toMatch(uuid);
    expect(result.second.status).not.toBe('failed'); // decided by the server, whatever the decision
    expect(result.second.clientBidId).toMatch(uuid);
    expect(result.rtt).toBeGreaterThanOrEqual(0);
  });
});
