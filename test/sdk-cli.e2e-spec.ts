import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import type { RawData } from 'ws';
import { pb } from '../sdk/src';
import { createAuction } from './support/auctions';
import { freePort } from './support/handshake';
import { pollUntil } from './support/poll';
import { quoteFor, startTestPlatform, TEST_ADMIN_TOKEN } from './support/platform';
import type { TestPlatform } from './support/platform';
import { SDK_CLI } from './support/sdk-build';

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
    execFile(process.execPath, [SDK_CLI, ...args], { env: { ...process.env, ...env }, timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

const jsonLines = (out: string) => out.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);

/** What a usage error prints: one line naming the problem, then the command's usage; nothing on stdout, no stack. */
function expectUsageError(result: Run, message: string | RegExp, usage: string | RegExp): void {
  expect(result.code).toBe(64);
  expect(result.stdout).toBe('');
  const [first, ...rest] = result.stderr.split('\n');
  expect(first).toMatch(/^bidtape: /);
  expect(first).toMatch(message);
  expect(rest.join('\n')).toMatch(usage);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

/**
 * A stream proxy in front of the platform that forwards both ways until the client sends a
 * PlaceBid, then drops everything the server sends: the bid is placed, its answer never arrives.
 */
async function answerSwallowingProxy(target: string): Promise<{ url: string; close: () => void }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  server.on('connection', (downstream, request) => {
    const search = new URL(request.url ?? '/', 'ws://proxy').search;
    const upstream = new WebSocket(`${target}${search}`, request.headers['sec-websocket-protocol']);
    const early: RawData[] = [];
    let bidSent = false;
    upstream.on('open', () => early.splice(0).forEach((frame) => upstream.send(frame)));
    upstream.on('message', (frame, isBinary) => bidSent || downstream.send(frame, { binary: isBinary }));
    downstream.on('message', (frame: Buffer) => {
      bidSent ||= pb.ClientMessage.decode(new Uint8Array(frame)).placeBid != null;
      if (upstream.readyState === WebSocket.OPEN) upstream.send(frame);
      else early.push(frame);
    });
    downstream.on('close', () => upstream.close());
    upstream.on('close', () => downstream.close());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}/v1/stream`,
    close: () => {
      server.clients.forEach((c) => c.terminate());
      server.close();
    },
  };
}

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
    // One table of exit codes for the whole tool.
    expect(runs[0].stdout).toMatch(/Exit codes:\n +0 [^]*\n +1 [^]*\n +2 [^]*\n +64 +usage[^]*\n +69 +unavailable[^]*\n +75 +bid outcome unknown/);
    expect(runs[1].stdout).toContain('--symbols');
    expect(runs[2].stdout).toContain('Exit code: 0 accepted, 2 rejected, 75 outcome unknown');
    expect(runs[3].stdout).toContain('bidtape keys create');
    expect(runs[4].stdout).toBe(runs[1].stdout);
    expect(runs.map((r) => r.stderr)).toEqual(['', '', '', '', '']);
    // --help wins over whatever else is on the line.
    const helpAnyway = await run(['bid', '--bogus', '--help']);
    expect(helpAnyway).toMatchObject({ code: 0, stdout: runs[2].stdout });
  });

  it('--version and -V print the SDK package version', async () => {
    const { version } = JSON.parse(readFileSync(path.resolve(__dirname, '..', 'sdk', 'package.json'), 'utf8')) as { version: string };
    const runs = await Promise.all([run(['--version']), run(['-V'])]);
    for (const r of runs) expect(r).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('usage errors exit 64 with one line and the usage on stderr, nothing on stdout', async () => {
    const [none, unknownCommand, unknownHelp, unknownOption, missingValue, noAuction, badAmount, badUrl, noAdminToken] = await Promise.all([
      run([]),
      run(['bogus']),
      run(['help', 'bogus']),
      run(['tail', '--symbols', 'AAPL', '--bogus']),
      run(['tail', '--symbols']),
      run(['bid', '--amount', '10.00']),
      run(['bid', '--auction', 'x', '--amount', '10,50']),
      run(['bid', '--url', 'http://localhost:3000', '--auction', 'x', '--amount', '1']),
      run(['keys', 'list'], { BIDTAPE_ADMIN_TOKEN: '' }),
    ]);
    // No arguments: the tool's usage, as for an unknown command.
    expect(none).toMatchObject({ code: 64, stdout: '' });
    expect(none.stderr).toMatch(/^usage: bidtape <command> \[options\]\n\nCommands:\n +tail /);
    expectUsageError(unknownCommand, 'unknown command "bogus"', /usage: bidtape <command>[^]*Commands:/);
    expectUsageError(unknownHelp, 'unknown command "bogus"', /usage: bidtape <command>/);
    const tailUsage = /usage: bidtape tail --symbols [^\n]*\n +bidtape tail --auction [^\n]*\nSee 'bidtape tail --help'/;
    expectUsageError(unknownOption, "unknown option '--bogus'", tailUsage);
    expectUsageError(missingValue, "option '--symbols <value>' argument missing", tailUsage);
    const bidUsage = /usage: bidtape bid --auction <id> --amount <decimal>/;
    expectUsageError(noAuction, '--auction is required', bidUsage);
    expectUsageError(badAmount, '--amount must be a decimal amount like 10.50 (got "10,50")', bidUsage);
    expectUsageError(badUrl, '--url must be a ws:// or wss:// URL', bidUsage);
    expectUsageError(noAdminToken, /admin token: pass --admin-token or set BIDTAPE_ADMIN_TOKEN/, /usage: bidtape keys create/);
  });

  it('cannot connect: exit 69, and the message names the URL', async () => {
    const url = `ws://127.0.0.1:${await freePort()}/v1/stream`;
    const [bid, tail, keys] = await Promise.all([
      run(['bid', '--url', url, '--auction', 'x', '--amount', '1']),
      run(['tail', '--url', url, '--symbols', 'AAPL']),
      run(['keys', 'list', '--url', url, '--admin-token', ADMIN]),
    ]);
    for (const r of [bid, tail]) {
      expect(r).toMatchObject({ code: 69, stdout: '' });
      expect(r.stderr).toMatch(new RegExp(`^bidtape: cannot connect to ${url}: connect ECONNREFUSED`, 'm'));
    }
    // A refused handshake is a connection that cannot be made too; the HTTP status says why.
    const refused = await run(['tail', '--url', platform.wsUrl, '--api-key', 'btk_000000000000_wrong', '--symbols', 'AAPL']);
    expect(refused).toMatchObject({ code: 69, stdout: '' });
    expect(refused.stderr).toContain(`bidtape: cannot connect to ${platform.wsUrl}: Unexpected server response: 401`);
    expect(keys).toMatchObject({ code: 69, stdout: '' });
    expect(keys.stderr).toContain(`bidtape: cannot connect to ${url.replace('ws:', 'http:').replace('/v1/stream', '')}/v1/admin/keys: connect ECONNREFUSED`);
  });

  it('tail prints decoded updates as JSON lines with exact decimal prices, or as a table', async () => {
    platform.market.publish(quoteFor('EUR-USD'));
    const ticker = setInterval(() => platform.market.publish(quoteFor('EUR-USD')), 20);
    const base = ['tail', '--url', platform.wsUrl, '--symbols', 'EUR-USD', '--rate', '0'];
    const [json, explicit, table] = await Promise.all([run([...base, '--count', '3']), run([...base, '--count', '1', '--json']), run([...base, '--count', '2', '--format', 'table'])])
      .finally(() => clearInterval(ticker));
    expect(explicit.code).toBe(0);
    expect(jsonLines(explicit.stdout)).toMatchObject([{ type: 'snapshot', symbol: 'EUR-USD' }]);
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
    expectUsageError(await run([...base, '--json', '--format', 'table']), '--json and --format table contradict each other', /usage: bidtape tail/);
  });

  it('tail runs until Ctrl-C, then closes the connection and exits 0', async () => {
    platform.market.publish(quoteFor('SOL-USD'));
    const child = spawn(process.execPath, [SDK_CLI, 'tail', '--url', platform.wsUrl, '--symbols', 'SOL-USD'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
    for (const [bidder, amount] of [['a', '10.00'], ['b', '10.50']]) {
      expect((await run(['bid', '--url', platform.wsUrl, '--bidder', `cli-${bidder}-${RUN}`, '--auction', auction.id, '--amount', amount])).code).toBe(0);
    }
    const result = await run(['tail', '--url', platform.wsUrl, '--auction', auction.id, '--from-seq', '0', '--count', '3']);
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toMatchObject([
      { type: 'auction.snapshot', auctionId: auction.id, status: 'OPEN', currentPrice: '10.50', nextMinimum: '11.00', nextMinimumMinor: 1100, seq: 2 },
      { type: 'auction.bid', seq: 1, amount: '10.00', kind: 'BID' },
      { type: 'auction.bid', seq: 2, amount: '10.50', price: '10.50' },
    ]);

    // The leader watching: a higher bid comes as a bid line and an outbid line, reason by name.
    const child = spawn(process.execPath, [SDK_CLI, 'tail', '--url', platform.wsUrl, '--bidder', `cli-b-${RUN}`, '--auction', auction.id, '--count', '3'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await pollUntil('the snapshot line', () => stdout.includes('"type":"auction.snapshot"'), 10_000);
    expect((await run(['bid', '--url', platform.wsUrl, '--bidder', `cli-a-${RUN}`, '--auction', auction.id, '--amount', '11'])).code).toBe(0);
    expect(await exited).toBe(0);
    const [, ...live] = jsonLines(stdout);
    expect(live).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'auction.bid', seq: 3, amount: '11.00', kind: 'BID' }),
      { type: 'outbid', auctionId: auction.id, reason: 'NEW_BID', price: '11.00', priceMinor: 1100, nextMinimum: '11.50', nextMinimumMinor: 1150, seq: 3 },
    ]));
  });

  it('bid takes and prints amounts in the auction\'s currency: 10.00 is 1000 cents; exit 0 accepted, 2 rejected', async () => {
    const auction = await createAuction(platform.url, { startingPrice: 1000 }); // EUR, price scale 2
    const bid = (bidder: string, ...args: string[]) =>
      run(['bid', '--url', platform.wsUrl, '--bidder', `cli-${bidder}-${RUN}`, '--auction', auction.id, ...args]);
    const accepted = await bid('alice', '--amount', '10.00', '--client-bid-id', `cli-bid-${RUN}`, '--json');
    expect(accepted).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(accepted.stdout)).toEqual({
      status: 'accepted', auctionId: auction.id, clientBidId: `cli-bid-${RUN}`, currency: 'EUR', amount: '10.00', amountMinor: 1000,
      seq: 1, price: '10.00', priceMinor: 1000, leading: true, nextMinimum: '10.50', nextMinimumMinor: 1050,
      endTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), duplicate: false,
    });
    const stored = (await (await fetch(`${platform.url}/v1/auctions/${auction.id}`)).json()) as { currentPrice: number; priceScale: number };
    expect(stored).toMatchObject({ currentPrice: 1000, priceScale: 2 });

    const resent = await bid('alice', '--amount', '10.00', '--client-bid-id', `cli-bid-${RUN}`, '--json');
    expect(JSON.parse(resent.stdout)).toMatchObject({ status: 'accepted', seq: 1, duplicate: true });

    const tooPrecise = await bid('bob', '--amount', '10.001');
    expectUsageError(tooPrecise, '--amount 10.001: EUR amounts have at most 2 decimals', /usage: bidtape bid/);

    const rejected = await bid('bob', '--amount', '10.01', '--json');
    expect(rejected.code).toBe(2);
    expect(JSON.parse(rejected.stdout)).toMatchObject({
      status: 'rejected', clientBidId: expect.any(String), reason: 'BELOW_MINIMUM', amount: '10.01', amountMinor: 1001,
      nextMinimum: '10.50', nextMinimumMinor: 1050, currency: 'EUR', retryable: false,
    });
    const rejectedLine = await bid('bob', '--amount', '10.01');
    expect(rejectedLine.code).toBe(2);
    expect(rejectedLine.stdout).toBe('rejected BELOW_MINIMUM: the bid is below the next minimum bid; next valid bid 10.50 EUR\n');

    // The default output: one line for people.
    const leads = await bid('bob', '--amount', '10.5');
    expect(leads).toMatchObject({ code: 0, stdout: 'accepted: bid #2 leads at 10.50 EUR; next minimum 11.00 EUR\n', stderr: '' });
  });

  it('bid amounts without decimals are whole units, in any currency\'s scale', async () => {
    const [eur, jpy] = await Promise.all([
      createAuction(platform.url, { startingPrice: 1000 }),
      createAuction(platform.url, { startingPrice: 10, currency: 'JPY', priceScale: 0 } as Parameters<typeof createAuction>[1]),
    ]);
    const bid = (auctionId: string, ...args: string[]) =>
      run(['bid', '--url', platform.wsUrl, '--bidder', `cli-carol-${RUN}`, '--auction', auctionId, '--json', ...args]);
    const [tenEuros, tenYen, fractionOfYen] = await Promise.all([bid(eur.id, '--amount', '10'), bid(jpy.id, '--amount', '10'), bid(jpy.id, '--amount', '10.0')]);
    expect(JSON.parse(tenEuros.stdout)).toMatchObject({ status: 'accepted', price: '10.00', priceMinor: 1000, currency: 'EUR' });
    expect(JSON.parse(tenYen.stdout)).toMatchObject({ status: 'accepted', price: '10', priceMinor: 10, currency: 'JPY' });
    expectUsageError(fractionOfYen, '--amount 10.0: JPY amounts have no decimals', /usage: bidtape bid/);
  });

  it('bid on an unknown auction: the server\'s message, exit 1', async () => {
    const id = randomUUID();
    const result = await run(['bid', '--url', platform.wsUrl, '--bidder', `cli-dave-${RUN}`, '--auction', id, '--amount', '10', '--json']);
    expect(result).toEqual({ code: 1, stdout: '', stderr: `bidtape: no auction ${id} (UNKNOWN_AUCTION)\n` });
  });

  it('bid with no answer before the deadline: exit 75 and the clientBidId to learn the outcome with', async () => {
    const auction = await createAuction(platform.url, { startingPrice: 1000 });
    const proxy = await answerSwallowingProxy(platform.wsUrl);
    try {
      const args = ['--bidder', `cli-erin-${RUN}`, '--auction', auction.id, '--amount', '12.00', '--json'];
      const unknown = await run(['bid', '--url', proxy.url, ...args, '--deadline-ms', '1500']);
      expect(unknown.code).toBe(75);
      const outcome = JSON.parse(unknown.stdout) as { clientBidId: string };
      expect(outcome).toMatchObject({ status: 'failed', error: 'TIMEOUT', outcomeUnknown: true, clientBidId: expect.any(String) });
      expect(unknown.stderr).toContain(`Rerun with --client-bid-id ${outcome.clientBidId} to learn it`);
      // The bid did reach the server: asking again with its id gives the original answer.
      const learnt = await run(['bid', '--url', platform.wsUrl, ...args, '--client-bid-id', outcome.clientBidId]);
      expect(learnt.code).toBe(0);
      expect(JSON.parse(learnt.stdout)).toMatchObject({ status: 'accepted', seq: 1, priceMinor: 1200, duplicate: true });
    } finally {
      proxy.close();
    }
  });

  it('keys manages partner keys through the admin API: lines and a table for people, --json for scripts', async () => {
    const admin = { BIDTAPE_ADMIN_TOKEN: ADMIN };
    const created = await run(['keys', 'create', '--url', platform.wsUrl, '--name', 'cli-partner', '--scopes', 'feed:read', '--json'], admin);
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout) as { id: string; key: string };
    expect(key).toMatchObject({ name: 'cli-partner', scopes: ['feed:read'], key: expect.stringMatching(/^btk_/) });

    // For people: the secret once, on stdout, with the key's fields; a note on stderr.
    const shown = await run(['keys', 'create', '--url', platform.wsUrl, '--name', 'cli-person', '--scopes', 'feed:read,bid:write'], admin);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^key +btk_\S+\nid +[0-9a-f-]{36}\nname +cli-person\nscopes +feed:read,bid:write\nsymbols +-\ncreated +\d{4}-/);
    expect(shown.stderr).toContain('the key is shown this once');
    const shownId = /^id +(\S+)$/m.exec(shown.stdout)![1];

    const [listed, listedJson, wrongToken] = await Promise.all([
      run(['keys', 'list', '--url', platform.wsUrl], admin),
      run(['keys', 'list', '--url', platform.wsUrl, '--json'], admin),
      run(['keys', 'list', '--url', platform.wsUrl, '--admin-token', 'wrong-token-0123456789abcdef']),
    ]);
    expect(listed.stdout).toMatch(/^ID +NAME +PREFIX +SCOPES +SYMBOLS +CREATED +REVOKED\n/);
    expect(listed.stdout).toMatch(new RegExp(`^${key.id} +cli-partner +\\S+ +feed:read +- +\\d{4}-\\S+ +-$`, 'm'));
    const records = JSON.parse(listedJson.stdout) as { id: string; key?: string }[];
    expect(records.map((r) => r.id)).toEqual(expect.arrayContaining([key.id, shownId]));
    expect(records.some((r) => 'key' in r)).toBe(false); // the secret is never listed
    expect(wrongToken.code).toBe(2);
    expect(wrongToken.stderr).toMatch(/not available: the admin API refused \(401\)/);

    const [revoked, revokedJson] = await Promise.all([
      run(['keys', 'revoke', key.id, '--url', platform.wsUrl], admin),
      run(['keys', 'revoke', shownId, '--url', platform.wsUrl, '--json'], admin),
    ]);
    expect(revoked).toMatchObject({ code: 0, stdout: `revoked ${key.id}\n` });
    expect(revokedJson).toMatchObject({ code: 0 });
    expect(JSON.parse(revokedJson.stdout)).toEqual({ revoked: shownId });
    const again = await run(['keys', 'revoke', key.id, '--url', platform.wsUrl], admin);
    expect(again).toMatchObject({ code: 1, stdout: '' });
    expect(again.stderr).toMatch(/^bidtape: the admin API answered 404/);

    // A publisher's key: feed:publish for a list of symbols.
    const publisher = await run(['keys', 'create', '--url', platform.wsUrl, '--name', 'cli-pub', '--scopes', 'feed:publish', '--publish-symbols', 'aapl,MSFT', '--json'], admin);
    expect(publisher.code).toBe(0);
    expect(JSON.parse(publisher.stdout)).toMatchObject({ scopes: ['feed:publish'], publishSymbols: ['AAPL', 'MSFT'] });
    const [misuse, badScope] = await Promise.all([
      run(['keys', 'create', '--url', platform.wsUrl, '--name', 'x', '--scopes', 'feed:read', '--publish-symbols', 'AAPL'], admin),
      run(['keys', 'create', '--url', platform.wsUrl, '--name', 'x', '--scopes', 'feed:write'], admin),
    ]);
    expectUsageError(misuse, '--publish-symbols goes with the feed:publish scope', /usage: bidtape keys create/);
    expectUsageError(badScope, '--scopes takes any of feed:read, bid:write, auction:write, feed:publish (got "feed:write")', /usage: bidtape keys/);
  });
});
