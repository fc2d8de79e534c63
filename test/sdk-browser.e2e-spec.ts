import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import ts from 'typescript';
import type * as Sdk from '../sdk/src';
import { createAuction } from './support/auctions';
import { browserAvailable, launchBrowser } from './support/browser';
import { quoteFor, startTestPlatform } from './support/platform';
import type { TestPlatform } from './support/platform';

const ENTRY = path.resolve(__dirname, '..', 'sdk', 'src', 'index.ts');

/**
 * The SDK as one classic script for a browser page: its TypeScript transpiled like a bundler
 * would, with its dependencies (protobufjs/minimal, the generated code) as CommonJS modules.
 * Whatever Node-only thing it touched (Buffer, process, `ws`, EventEmitter) would fail here.
 */
function bundle(entry: string): string {
  const files = new Map<string, { code: string; deps: Record<string, string> }>();
  const resolve = (from: string, specifier: string): string | null => {
    if (specifier.startsWith('.')) {
      const base = path.resolve(path.dirname(from), specifier);
      for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
    }
    try {
      return require.resolve(specifier, { paths: [path.dirname(from)] });
    } catch {
      return null; // in a comment, or optional (protobufjs tries "long" and "buffer" and copes without)
    }
  };
  const visit = (file: string): void => {
    if (files.has(file)) return;
    const source = readFileSync(file, 'utf8');
    const code = file.endsWith('.ts')
      ? ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText
      : source;
    const deps: Record<string, string> = {};
    files.set(file, { code, deps });
    for (const [, , specifier] of code.matchAll(/\brequire\((["'])([^"']+)\1\)/g)) {
      const resolved = resolve(file, specifier);
      if (resolved === null) continue;
      deps[specifier] = resolved;
      visit(resolved);
    }
  };
  visit(entry);
  const modules = [...files].map(([file, { code, deps }]) =>
    `${JSON.stringify(file)}: [function (module, exports, require) {\n${code}\n}, ${JSON.stringify(deps)}]`);
  return `(function () {
    var modules = {${modules.join(',\n')}};
    var cache = {};
    function load(file) {
      if (cache[file]) return cache[file].exports;
      var module = (cache[file] = { exports: {} });
      var deps = modules[file][1];
      modules[file][0](module, module.exports, function (specifier) {
        if (!(specifier in deps)) throw new Error('not bundled: ' + specifier); // optional requires (protobufjs) expect this
        return load(deps[specifier]);
      });
      return module.exports;
    }
    window.bidtape = load(${JSON.stringify(entry)});
  })();`;
}

const describeBrowser = browserAvailable() ? describe : describe.skip;

describeBrowser('the TypeScript SDK in a browser (headless Chromium)', () => {
  let platform: TestPlatform;
  let browser: Browser;
  beforeAll(async () => {
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
    await page.addScriptTag({ content: bundle(ENTRY) });
    platform.market.publish(quoteFor('BTC-USD'));
    const auction = await createAuction(platform.url, { startingPrice: 1000 });
    const ticker = setInterval(() => platform.market.publish(quoteFor('BTC-USD')), 30);

    const result = await page.evaluate(async ({ url, auctionId, bidder }) => {
      const { BidtapeClient, formatMinor } = (window as unknown as { bidtape: typeof Sdk }).bidtape;
      const client = new BidtapeClient({ url, bidder });
      const states: string[] = [];
      client.on('state', (s) => states.push(s));
      await client.connect();
      const seen: { snapshot: boolean; seq: number; last: string }[] = [];
      for await (const u of client.subscribe(['BTC-USD'], { maxRate: 0 })) {
        seen.push({ snapshot: u.snapshot, seq: u.tick.seq, last: formatMinor(u.tick.lastPrice, u.instrument.priceScale) });
        if (seen.length === 2) break;
      }
      const bid = await client.placeBid({ auctionId, amount: 1000 });
      const rtt = await client.ping();
      client.close();
      return { states, seen, bid, rtt };
    }, { url: platform.wsUrl, auctionId: auction.id, bidder: `browser-${process.pid}-${Date.now()}` }).finally(() => clearInterval(ticker));

    expect(errors).toEqual([]);
    expect(result.states).toEqual(['connecting', 'live', 'closed']);
    expect(result.seen.map((u) => u.snapshot)).toEqual([true, false]);
    expect(result.seen[1].seq).toBe(result.seen[0].seq + 1);
    expect(result.seen[1].last).toMatch(/^\d+\.\d{2}$/);
    expect(result.bid).toMatchObject({ accepted: true, seq: 1, price: 1000, leading: true });
    expect(result.bid.clientBidId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(result.rtt).toBeGreaterThanOrEqual(0);
  });
});
