import { BiddersService } from '../src/auction/bidders.service';
import { withDb } from './support/auctions';
import { startTestPlatform } from './support/platform';
import type { TestPlatform } from './support/platform';

/** Bidder identities on a real PostgreSQL: created once, then only read. */
describe('bidder identities', () => {
  let platform: TestPlatform;
  let bidders: BiddersService;
  const run = Math.random().toString(36).slice(2, 8);

  beforeAll(async () => {
    platform = await startTestPlatform();
    bidders = platform.app.get(BiddersService);
  });
  afterAll(() => platform.stop());

  const rowVersion = (handle: string) =>
    withDb(async (db) => (await db.query<{ xmin: string }>('SELECT xmin::text FROM bidders WHERE handle = $1', [handle])).rows[0]?.xmin);

  it('creates a bidder on first use and only reads it afterwards (no new row version)', async () => {
    const handle = `ident-${run}`;
    const first = await bidders.ensure(handle);
    expect(first).toMatchObject({ handle, pseudonym: expect.stringMatching(/^bidder-[0-9a-f]{8}$/) });
    const version = await rowVersion(handle);
    const again = await bidders.ensure(handle);
    expect(again).toEqual(first);
    expect(await rowVersion(handle)).toBe(version);
  });

  it('gives every concurrent first use of one handle the same identity, stored once', async () => {
    const handle = `burst-${run}`;
    const identities = await Promise.all(Array.from({ length: 20 }, () => bidders.ensure(handle)));
    expect(new Set(identities.map((i) => i.id)).size).toBe(1);
    expect(identities.every((i) => i.pseudonym === identities[0].pseudonym)).toBe(true);
    const count = await withDb(async (db) => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM bidders WHERE handle = $1', [handle])).rows[0].n);
    expect(count).toBe(1);
  });
});
