/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createAuction, placeBid } from './support/auctions';
import { pollUntil } from './support/poll';
import { StreamClient } from './support/stream-client';
import { ARTIFACTS, browserAvailable, launchBrowser } from './support/browser';
import { startTestPlatform } from './support/platform';
import type { TestPlatform } from './support/platform';

const describeBrowser = browserAvailable() ? describe : describe.skip;

describeBrowser('web pages in headless Chromium', () => {
  let platform: TestPlatform;
  let browser: Browser;

  beforeAll(async () => {
    platform = await startTestPlatform({ SIM_ENABLED: 'true', SIM_TICKS_PER_SECOND: '300', SIM_AUCTIONS: '0' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  const lastPrice = (page: Page, symbol: string) => page.locator(`.card[data-symbol="${symbol}"] [data-testid=last]`).textContent();

  it('ticker board: live prices that change, over the binary protocol', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const frames: string[] = [];
    page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(typeof f.payload === 'string' ? 'text' : 'binary')));
    await new Promise((r) => setTimeout(r, 3500)); // a few seconds of history before the page opens
    await page.goto(`${platform.url}/`);
    await page.locator('[data-testid=connection-state][data-state=live]').waitFor({ timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector('.card[data-symbol="BTC-USD"] [data-testid=last]')?.textContent !== '—');
    const first = await lastPrice(page, 'BTC-USD');
    expect(first).toMatch(/^\d{1,3}(,\d{3})*\.\d{2}$/);
    await page.waitForFunction((initial) => document.querySelector('.card[data-symbol="BTC-USD"] [data-testid=last]')?.textContent !== initial, first, { timeout: 10_000 });
    expect(frames.length).toBeGreaterThan(2);
    expect(frames.every((f) => f === 'binary')).toBe(true);

    // Each symbol opens on a candlestick chart with its recent history, then draws live candles.
    const candles = (symbol: string) => page.locator(`.card[data-symbol="${symbol}"]`).getAttribute('data-candles').then(Number);
    const atLoad = await candles('BTC-USD');
    expect(atLoad).toBeGreaterThanOrEqual(3); // the seconds simulated before the page opened
    await page.waitForFunction((n) => Number(document.querySelector('.card[data-symbol="BTC-USD"]')?.getAttribute('data-candles')) > n, atLoad, { timeout: 10_000 });
    expect(await page.locator('.card[data-symbol="BTC-USD"] [data-testid=chart] canvas').count()).toBeGreaterThan(0);
    // The interval switch re-subscribes: a new history at that interval.
    await page.selectOption('#interval', 'CANDLE_INTERVAL_1M');
    // 2 is CANDLE_INTERVAL_1M: the chart now holds a 1 m history.
    await page.waitForFunction(() => document.querySelector('.card[data-symbol="BTC-USD"]')?.getAttribute('data-interval') === '2', undefined, { timeout: 5000 });
    await page.selectOption('#interval', 'CANDLE_INTERVAL_1S');

    // One update per second per symbol: updates now stand for several conflated ones.
    await page.selectOption('#rate', '1');
    await page.waitForFunction(() => [...document.querySelectorAll('.card .conflated')].some((e) => /updates in 1/.test(e.textContent ?? '')), undefined, { timeout: 10_000 });
    await page.waitForTimeout(1500); // let the charts draw a little history for the screenshot
    await page.screenshot({ path: path.join(ARTIFACTS, 'ticker-board.png') });
    await page.close();
  }, 60_000);

  it('auction room: a bid in one browser appears in another, which is then outbid', async () => {
    const auction = await createAuction(platform.url, { title: 'Leica M6 rangefinder, 1986', startingPrice: 150_000, reservePrice: 180_000, endInMs: 600_000 });
    const run = Math.random().toString(36).slice(2, 7);
    const open = async (handle: string) => {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      await context.addInitScript((h) => localStorage.setItem('bidtape.handle', h), handle);
      const page = await context.newPage();
      page.setDefaultTimeout(8000);
      await page.goto(`${platform.url}/auctions.html?auction=${auction.id}`);
      await page.locator('[data-testid=connection-state][data-state=live]').waitFor();
      await page.locator('.room .title', { hasText: 'Leica' }).waitFor();
      return page;
    };
    const alice = await open(`alice${run}`);
    const bob = await open(`bob${run}`);

    await alice.fill('[data-testid=amount]', '1500');
    await alice.click('[data-testid=place-bid]');
    await alice.locator('[data-testid=feedback]', { hasText: 'Accepted: you lead at EUR 1,500.00' }).waitFor();
    await bob.locator('[data-testid=price]', { hasText: 'EUR 1,500.00' }).waitFor();
    expect(await bob.locator('.ladder tbody tr').count()).toBe(1);

    await bob.fill('[data-testid=amount]', '1490');
    await bob.click('[data-testid=place-bid]');
    await bob.locator('[data-testid=feedback]', { hasText: 'next valid bid EUR 1,510.00' }).waitFor();

    await bob.fill('[data-testid=amount]', '1600');
    await bob.fill('[data-testid=max]', '2000');
    await bob.click('[data-testid=place-bid]');
    // bob's maximum 2,000 reaches the hidden 1,800 reserve: the price rises to the reserve.
    await bob.locator('[data-testid=feedback]', { hasText: 'Accepted: you lead at EUR 1,800.00' }).waitFor();
    await alice.locator('[data-testid=outbid]', { hasText: 'someone placed a higher bid' }).waitFor();
    await alice.locator('[data-testid=price]', { hasText: 'EUR 1,800.00' }).waitFor();
    await alice.locator('.reserve', { hasText: 'reserve met' }).waitFor();

    // alice comes back above bob's 2,000 maximum: now bob's browser gets its outbid notice.
    await alice.fill('[data-testid=amount]', '2100');
    await alice.click('[data-testid=place-bid]');
    await alice.locator('[data-testid=feedback]', { hasText: 'Accepted: you lead at EUR 2,100.00' }).waitFor();
    await bob.locator('[data-testid=outbid]', { hasText: 'someone placed a higher bid' }).waitFor();
    await bob.locator('[data-testid=price]', { hasText: 'EUR 2,100.00' }).waitFor();
    await alice.screenshot({ path: path.join(ARTIFACTS, 'auction-room-leading.png') });
    await bob.screenshot({ path: path.join(ARTIFACTS, 'auction-room-outbid.png') });
  }, 60_000);

  it('auction room: opens on the whole history, and shows a closed auction\'s result with the form disabled', async () => {
    const run = Math.random().toString(36).slice(2, 7);
    const title = `Closed lot ${run}`;
    const auction = await createAuction(platform.url, { title, startingPrice: 1000, endInMs: 1500 });
    const [ann, ben] = await Promise.all([`ann${run}`, `ben${run}`].map((h) => StreamClient.connect(`${platform.wsUrl}?bidder=${h}`)));
    await placeBid(ann, auction.id, 1000);
    await placeBid(ben, auction.id, 1100);
    const last = await placeBid(ann, auction.id, 1200);
    ann.close();
    ben.close();
    await pollUntil('the close', async () => ((await (await fetch(`${platform.url}/v1/auctions/${auction.id}`)).json()) as { status: string }).status === 'closed', 10_000, 100);

    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${platform.url}/auctions.html?auction=${auction.id}&show=closed`);
    await page.locator('[data-testid=connection-state][data-state=live]').waitFor({ timeout: 10_000 });
    await page.locator('.ladder tbody tr').nth(2).waitFor({ timeout: 5000 });
    expect(await page.locator('.ladder tbody tr').count()).toBe(3); // the history, replayed from seq 0
    expect(await page.locator('.ladder tbody tr').first().locator('td').nth(2).textContent()).toBe('EUR 12.00');
    expect(last.accepted).not.toBeNull();
    await page.locator('[data-testid=feedback]', { hasText: 'Won by' }).waitFor();
    expect(await page.locator('[data-testid=feedback]').textContent()).toMatch(/^Won by bidder-\w+ at EUR 12\.00\.$/);
    expect(await page.locator('[data-testid=place-bid]').isDisabled()).toBe(true);
    expect(await page.locator('[data-testid=countdown]').textContent()).toBe('ended');
    // Closed auctions stay reachable from the list.
    await page.locator('#list .item .title', { hasText: title }).waitFor({ timeout: 6000 });
    await page.close();
  }, 30_000);

  it.each([['index.html', 'ticker-phone.png'], ['auctions.html', 'auction-phone.png']])('%s is usable 390 px wide: one column, nothing off screen', async (file, shot) => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await page.goto(`${platform.url}/${file}`);
    await page.locator('[data-testid=connection-state][data-state=live]').waitFor({ timeout: 10_000 });
    if (file === 'auctions.html') {
      await createAuction(platform.url, { title: 'Phone-width lot', startingPrice: 1000, endInMs: 600_000 });
      await page.reload();
      await page.locator('[data-testid=place-bid]').waitFor({ timeout: 10_000 });
      const button = (await page.locator('[data-testid=place-bid]').boundingBox())!;
      expect(button.x + button.width).toBeLessThanOrEqual(390);
    } else {
      await page.waitForFunction(() => document.querySelector('.card[data-symbol="BTC-USD"] [data-testid=last]')?.textContent !== '—');
      const cards = await page.locator('.card').evaluateAll((els) => els.slice(0, 2).map((e) => e.getBoundingClientRect().top));
      expect(cards[1]).toBeGreaterThan(cards[0]); // stacked: one column
    }
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.waitForTimeout(800);
    await page.screenshot({ path: path.join(ARTIFACTS, shot) });
    await page.close();
  }, 30_000);

  it('says why when the server refuses the connection, and serves a favicon', async () => {
    const context = await browser.newContext();
    await context.addInitScript(() => localStorage.setItem('bidtape.handle', 'not a handle!'));
    const page = await context.newPage();
    await page.goto(`${platform.url}/auctions.html`);
    await page.locator('[data-testid=connection-state][data-state=refused]').waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid=connection-state]').textContent()).toContain('check the handle "not a handle!"');
    await context.close();
    const icon = await fetch(`${platform.url}/favicon.svg`);
    expect([icon.status, icon.headers.get('content-type')]).toEqual([200, 'image/svg+xml']);
  }, 30_000);
});
