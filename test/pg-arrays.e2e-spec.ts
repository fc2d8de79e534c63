import fc from 'fast-check';
import { Client } from 'pg';
import { booleanArray, integerArray, textArray } from '../src/database/pg-arrays';

/**
 * The array literals the bid path sends, read back by a real PostgreSQL: every element arrives
 * as it was, whatever characters a client bid id holds.
 */
describe('PostgreSQL array literals', () => {
  const db = new Client({ connectionString: process.env.DATABASE_URL });
  beforeAll(() => db.connect());
  afterAll(() => db.end());

  const roundTrip = async <T>(literal: string, type: string): Promise<T[]> =>
    (await db.query<{ a: T[] }>(`SELECT $1::${type}[] AS a`, [literal])).rows[0].a;

  it('carries any text, NULLs and the empty array', async () => {
    // Strings of printable ASCII and some beyond, with the characters array syntax treats specially.
    const text = fc.string({ unit: fc.constantFrom(...'ab "\\{},\' NULL\t\né€'.split('')), maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(text, { nil: null }), { maxLength: 8 }), async (values) => {
        expect(await roundTrip<string | null>(textArray(values), 'text')).toEqual(values);
      }),
      { numRuns: 200 },
    );
    expect(await roundTrip(textArray(['NULL', '']), 'text')).toEqual(['NULL', '']);
  });

  it('carries bigint amounts up to 2^53 and booleans', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(fc.maxSafeInteger(), { nil: null }), { maxLength: 8 }), async (values) => {
        const back = await roundTrip<string | null>(integerArray(values), 'bigint');
        expect(back.map((v) => (v === null ? null : Number(v)))).toEqual(values);
      }),
      { numRuns: 100 },
    );
    expect(await roundTrip(booleanArray([true, false]), 'boolean')).toEqual([true, false]);
  });

  it('refuses a number that is not a safe integer instead of sending it rounded', () => {
    expect(() => integerArray([1.5])).toThrow(RangeError);
    expect(() => integerArray([2 ** 53])).toThrow(RangeError);
  });
});
