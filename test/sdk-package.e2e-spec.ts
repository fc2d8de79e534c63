import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createAuction } from './support/auctions';
import { quoteFor, startTestPlatform } from './support/platform';
import type { TestPlatform } from './support/platform';
import { requireBuiltSdk, SDK_DIR } from './support/sdk-build';

const run = promisify(execFile);
const SDK_VERSION = (JSON.parse(readFileSync(path.join(SDK_DIR, 'package.json'), 'utf8')) as { version: string }).version;
// The application's own protobufjs, to show the SDK leaves its settings alone.
const PROTOBUFJS_VERSION = (JSON.parse(readFileSync(require.resolve('protobufjs/package.json'), 'utf8')) as { version: string }).version;

/** A partner's CommonJS program: the application's protobufjs is loaded first and checked after. */
const CONSUMER_CJS = `
const protobuf = require('protobufjs/minimal');
const LongBefore = protobuf.util.Long;
const { BidtapeClient, formatMinor } = require('@bidtape/sdk');
const [url, auctionId, bidder] = process.argv.slice(2);
(async () => {
  const client = new BidtapeClient({ url, bidder });
  await client.connect();
  let first;
  for await (const update of client.subscribe(['BTC-USD'], { maxRate: 0 })) {
    first = { snapshot: update.snapshot, last: formatMinor(update.tick.lastPrice, update.instrument.priceScale) };
    break;
  }
  const watch = client.watchAuction(auctionId);
  const state = await watch.ready;
  const bid = await client.placeBid({ auctionId, amount: '12.50' });
  client.close();
  console.log(JSON.stringify({
    first, currency: state.currency, bid: { status: bid.status, price: bid.price, decimal: bid.decimal },
    longUntouched: protobuf.util.Long === LongBefore && typeof LongBefore === 'function',
  }));
})().catch((error) => { console.error(error); process.exit(1); });
`;

/** The same package from an ES module. */
const CONSUMER_ESM = `
import { BidtapeClient, parseDecimal } from '@bidtape/sdk';
const client = new BidtapeClient({ url: process.argv[2], bidder: process.argv[3] });
await client.connect();
const rtt = await client.ping();
client.close();
console.log(JSON.stringify({ rtt: rtt >= 0, minor: parseDecimal('10.05', 2) }));
`;

/**
 * `npm pack` of sdk/ installed into an empty folder, as a partner would, then used against a
 * running server from CommonJS, from ESM and as the `bidtape` command.
 */
describe('the @bidtape/sdk package', () => {
  let platform: TestPlatform;
  let folder: string;
  let tarball: string;

  beforeAll(async () => {
    requireBuiltSdk();
    folder = mkdtempSync(path.join(tmpdir(), 'bidtape-sdk-'));
    const packed = await run('npm', ['pack', '--json', '--pack-destination', folder], { cwd: SDK_DIR });
    tarball = path.join(folder, (JSON.parse(packed.stdout) as { filename: string }[])[0].filename);
    const app = path.join(folder, 'app');
    await run('mkdir', ['-p', app]);
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'partner-app', private: true }));
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, `protobufjs@${PROTOBUFJS_VERSION}`], { cwd: app });
    platform = await startTestPlatform();
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('packs only the built package: no sources, no server files', async () => {
    const listing = await run('tar', ['-tzf', tarball]);
    const files = listing.stdout.trim().split('\n').map((f) => f.replace(/^package\//, ''));
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.js', 'dist/index.mjs', 'dist/index.d.ts',
      'dist/recording.js', 'dist/cli.js', 'dist/browser/bidtape-sdk.global.js']));
    expect(files.filter((f) => !f.startsWith('dist/') && f !== 'package.json' && f !== 'README.md')).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.d.mts'))).toEqual([]);
  });

  it('connects, subscribes and bids from CommonJS, leaving the application protobufjs as it was', async () => {
    platform.market.publish(quoteFor('BTC-USD'));
    const auction = await createAuction(platform.url, { startingPrice: 1250 });
    const app = path.join(folder, 'app');
    writeFileSync(path.join(app, 'consumer.cjs'), CONSUMER_CJS);
    const { stdout } = await run(process.execPath, ['consumer.cjs', platform.wsUrl, auction.id, `pkg-${process.pid}`], { cwd: app, timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual({
      first: { snapshot: true, last: expect.stringMatching(/^\d+\.\d{2}$/) },
      currency: 'EUR',
      bid: { status: 'accepted', price: 1250, decimal: { price: '12.50', nextMinimum: expect.stringMatching(/^\d+\.\d{2}$/) } },
      longUntouched: true,
    });
  });

  it('loads as an ES module', async () => {
    const app = path.join(folder, 'app');
    writeFileSync(path.join(app, 'consumer.mjs'), CONSUMER_ESM);
    const { stdout } = await run(process.execPath, ['consumer.mjs', platform.wsUrl, `pkg-esm-${process.pid}`], { cwd: app, timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual({ rtt: true, minor: 1005 });
  });

  it('installs the bidtape command, compiled', async () => {
    const app = path.join(folder, 'app');
    const { stdout } = await run(path.join(app, 'node_modules', '.bin', 'bidtape'), ['--version'], { cwd: app });
    expect(stdout.trim()).toBe(SDK_VERSION);
    expect(existsSync(path.join(app, 'node_modules', 'typescript'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules', 'ts-node'))).toBe(false);
  });
});
