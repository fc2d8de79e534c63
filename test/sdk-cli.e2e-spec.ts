import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import WebSocket from 'ws';
import { BidtapeClient } from '../sdk/src';
import { createAuction } from './support/auctions';
import { freePort } from './support/handshake';
import { pollUntil } from './support/poll';
import { quoteFor, startTestPlatform, TEST_ADMIN_TOKEN } from './support/platform';
import type { TestPlatform } from './support/platform';

const CLI = path.resolve(__dirname, '..', 'sdk', 'bin', 'bidtape.js');
const ADMIN = TEST_ADMIN_TOKEN;
const RUN = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a user would, asynchronously (the server lives in this process). */
function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

const jsonLines = (out: string) => out.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);

describe('the bidtape command-line tool', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ ADMIN_TOKEN: ADMIN });
  });
  afterAll(() => platform.stop());

  it('answers --help for itself and each command', async () => {
    const runs = await Promise.all([['--help'], ['tail', '--help'], ['bid', '--help'], ['keys', '-h'], ['help', 'tail']].map((args) => run(args)));
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0]);
    expect(runs[0].stdout).toMatch(/tail .*\n.*bid .*\n.*keys /);
    expect(runs[1].stdout).toContain('--symbols');
    expect(runs[2].stdout).toContain('Exit code: 0 accepted, 2 rejected');
    expect(runs[3].stdout).toContain('bidtape keys create');
    expect(runs[4].stdout).toBe(runs[1].stdout);
  });

  it('tail prints decoded updates as JSON lines with exact decimal prices, or as a table', async () => {
    platform.market.publish(quoteFor('EUR-USD'));
    const ticker = setInterval(() => platform.market.publish(quoteFor('EUR-USD')), 20);
    const base = ['tail', '--url', platform.wsUrl, '--symbols', 'EUR-USD', '--rate', '0'];
    const [json, table] = await Promise.all([run([...base, '--count', '3']), run([...base, '--count', '2', '--format', 'table'])])
      .finally(() => clearInterval(ticker));
    expect(json.code).toBe(0);
    const lines = jsonLines(json.stdout);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ type: 'snapshot', symbol: 'EUR-USD' });
    expect(lines.slice(1).map((l) => l.type)).toEqual(['tick', 'tick']);
    expect(lines[2].last).toMatch(/^\d+\.\d{5}$/); // EUR-USD has price scale 5
    expect(lines[2].seq).toBe(Number(lines[1].seq) + 1);
    expect(json.stderr).toContain('# subscribed EUR-USD at every update');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^SYMBOL +BID +ASK +LAST +SEQ +UPDATED\nEUR-USD +\d+\.\d{5} /m);
  });

  it('tail runs until Ctrl-C, then closes the connection and exits 0', async () => {
    platform.market.publish(quoteFor('SOL-USD'));
    const child = spawn(process.execPath, [CLI, 'tail', '--url', platform.wsUrl, '--symbols', 'SOL-USD'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await pollUntil('the snapshot line', () => stdout.includes('"type":"snapshot"'), 10_000);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toContain('# connection closed');
  });

  it('tail --auction replays an auction from a seq, in order', async () => {
    const auction = await createAuction(platform.url, { startingPrice: 1000 });
    const bidders = ['a', 'b'].map((name) => new BidtapeClient({ url: platform.wsUrl, WebSocket, bidder: `cli-${name}-${RUN}` }));
    await Promise.all(bidders.map((c) => c.connect()));
    await bidders[0].placeBid({ auctionId: auction.id, amount: 1000 });
    await bidders[1].placeBid({ auctionId: auction.id, amount: 1050 });
    bidders.forEach((c) => c.close());
    const result = await run(['tail', '--url', platform.wsUrl, '--auction', auction.id, '--from-seq', '0', '--count', '3']);
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toMatchObject([
      { type: 'auction.snapshot', auctionId: auction.id, status: 'OPEN', currentPrice: '10.50', nextMinimum: '11.00', nextMinimumMinor: 1100, seq: 2 },
      { type: 'auction.bid', seq: 1, amount: '10.00', kind: 'BID' },
      { type: 'auction.bid', seq: 2, amount: '10.50', price: '10.50' },
    ]);
  });

  it('bid prints the answer: exit 0 accepted, 2 rejected; a resend is answered with the original', async () => {
    const auction = await createAuction(platform.url, { startingPrice: 1000 });
    const bid = (bidder: string, ...args: string[]) =>
      run(['bid', '--url', platform.wsUrl, '--bidder', `cli-${bidder}-${RUN}`, '--auction', auction.id, ...args]);
    const accepted = await bid('alice', '--amount', '1000', '--client-bid-id', `cli-bid-${RUN}`);
    expect(accepted.code).toBe(0);
    expect(JSON.parse(accepted.stdout)).toMatchObject({ accepted: true, seq: 1, price: 1000, leading: true, duplicate: false });
    const resent = await bid('alice', '--amount', '1000', '--client-bid-id', `cli-bid-${RUN}`);
    expect(JSON.parse(resent.stdout)).toMatchObject({ accepted: true, seq: 1, duplicate: true });
    const rejected = await bid('bob', '--amount', '1001');
    expect(rejected.code).toBe(2);
    expect(JSON.parse(rejected.stdout)).toMatchObject({ accepted: false, reason: 'BELOW_MINIMUM', nextMinimum: 1050, retryable: false });
  });

  it('exits 1 on errors: bad arguments, no server', async () => {
    const [badOption, badAmount, noServer] = await Promise.all([
      run(['tail', '--symbols', 'AAPL', '--bogus']),
      run(['bid', '--auction', 'x', '--amount', '10.50']),
      run(['bid', '--url', `ws://127.0.0.1:${await freePort()}/v1/stream`, '--auction', 'x', '--amount', '1']),
    ]);
    expect([badOption.code, badAmount.code, noServer.code]).toEqual([1, 1, 1]);
    expect(badOption.stderr).toMatch(/Unknown option '--bogus'/);
    expect(badAmount.stderr).toMatch(/--amount must be a non-negative integer/);
    expect(noServer.stderr).toMatch(/could not connect/);
  });

  it('keys manages partner keys through the admin API; exit 2 when keys are not available to the caller', async () => {
    const admin = { BIDTAPE_ADMIN_TOKEN: ADMIN };
    const created = await run(['keys', 'create', '--url', platform.wsUrl, '--name', 'cli-partner', '--scopes', 'feed:read'], admin);
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout) as { id: string; key: string };
    expect(key.key).toMatch(/^btk_/);
    const [listed, noToken, wrongToken] = await Promise.all([
      run(['keys', 'list', '--url', platform.wsUrl], admin),
      run(['keys', 'list', '--url', platform.wsUrl], { BIDTAPE_ADMIN_TOKEN: '' }),
      run(['keys', 'list', '--url', platform.wsUrl, '--admin-token', 'wrong-token-0123456789abcdef']),
    ]);
    expect(listed.stdout).toContain(key.id);
    expect([noToken.code, wrongToken.code]).toEqual([2, 2]);
    expect(noToken.stderr).toMatch(/admin token/);
    expect(wrongToken.stderr).toMatch(/not available: the admin API refused \(401\)/);
    expect((await run(['keys', 'revoke', key.id, '--url', platform.wsUrl], admin)).code).toBe(0);

    // A publisher's key: feed:publish for a list of symbols.
    const publisher = await run(['keys', 'create', '--url', platform.wsUrl, '--name', 'cli-pub', '--scopes', 'feed:publish', '--publish-symbols', 'aapl,MSFT'], admin);
    expect(publisher.code).toBe(0);
    expect(JSON.parse(publisher.stdout)).toMatchObject({ scopes: ['feed:publish'], publishSymbols: ['AAPL', 'MSFT'] });
    const misuse = await run(['keys', 'create', '--url', platform.wsUrl, '--name', 'x', '--scopes', 'feed:read', '--publish-symbols', 'AAPL'], admin);
    expect(misuse.code).toBe(1);
    expect(misuse.stderr).toContain('--publish-symbols goes with the feed:publish scope');
  });
});
