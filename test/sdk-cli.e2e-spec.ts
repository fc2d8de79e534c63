import { execFile } from 'node:child_process';
import path from 'node:path';
import { createAuction } from './support/auctions';
import { quoteFor, startTestPlatform } from './support/platform';
import type { TestPlatform } from './support/platform';

const cli = path.resolve(__dirname, '..', 'bin', 'bidtape.js');
const ADMIN = 'cli-admin-token-0123456789abcdef';

/** Runs the CLI asynchronously (the server lives in this process). */
function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

describe('the bidtape command-line tool', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ ADMIN_TOKEN: ADMIN });
  });
  afterAll(() => platform.stop());

  it.each([['--help'], ['tail', '--help'], ['bid', '--help'], ['keys', '--help']])('answers %s', async (...args) => {
    const result = await run(args);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/bidtape/);
  });

  it('tail prints decoded updates as JSON lines with exact decimal prices', async () => {
    platform.market.publish(quoteFor('EUR-USD'));
    const ticker = setInterval(() => platform.market.publish(quoteFor('EUR-USD')), 20);
    const result = await run(['tail', '--url', platform.wsUrl, '--symbols', 'EUR-USD', '--rate', '0', '--count', '3']).finally(() => clearInterval(ticker));
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as { symbol: string; snapshot: boolean; last: string; seq: number });
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ symbol: 'EUR-USD', snapshot: true });
    expect(lines[2].last).toMatch(/^\d+\.\d{5}$/);
    expect(lines[2].seq).toBeGreaterThan(lines[0].seq);
  });

  it('bid prints the answer and exits 0 when accepted, 2 when rejected', async () => {
    const auction = await createAuction(platform.url, { startingPrice: 1000 });
    const base = ['bid', '--url', platform.wsUrl, '--bidder', `cli-${Date.now()}`, '--auction', auction.id];
    const accepted = await run([...base, '--amount', '1000']);
    expect(accepted.code).toBe(0);
    expect(JSON.parse(accepted.stdout)).toMatchObject({ accepted: true, price: 1000, leading: true });
    const rejected = await run([...base.slice(0, 4), `cli2-${Date.now()}`, ...base.slice(5), '--amount', '1001']);
    expect(rejected.code).toBe(2);
    expect(JSON.parse(rejected.stdout)).toMatchObject({ accepted: false, nextMinimum: 1050 });
  });

  it('keys creates, lists and revokes partner keys through the admin API', async () => {
    const env = { BIDTAPE_ADMIN_TOKEN: ADMIN };
    const created = await run(['keys', 'create', '--url', platform.wsUrl, '--name', 'cli-partner', '--scopes', 'feed:read'], env);
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout) as { id: string; key: string };
    expect(key.key).toMatch(/^btk_/);
    const listed = await run(['keys', 'list', '--url', platform.wsUrl], env);
    expect(listed.stdout).toContain(key.id);
    expect((await run(['keys', 'revoke', key.id, '--url', platform.wsUrl], env)).code).toBe(0);
    const denied = await run(['keys', 'list', '--url', platform.wsUrl], { BIDTAPE_ADMIN_TOKEN: 'wrong-token-0123456789abcdef' });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/401/);
  });
});
