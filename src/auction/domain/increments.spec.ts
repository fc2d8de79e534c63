import type { IncrementBand } from './increments';
import { DEFAULT_INCREMENTS, incrementAt, validateIncrementTable } from './increments';

describe(incrementAt.name, () => {
  describe('with DEFAULT_INCREMENTS', () => {
    it.each<[number, number]>([
      [0, 50],
      [1, 50],
      [1_999, 50],
      [2_000, 100], // upTo is exclusive: 20.00 is already in the next band
      [2_001, 100],
      [19_999, 100],
      [20_000, 500],
      [20_001, 500],
      [99_999, 500],
      [100_000, 1_000],
      [100_001, 1_000],
      [499_999, 1_000],
      [500_000, 5_000],
      [500_001, 5_000],
      [2_499_999, 5_000],
      [2_500_000, 10_000],
      [2_500_001, 10_000],
      [Number.MAX_SAFE_INTEGER, 10_000],
    ])('at %i steps by %i', (price, increment) => {
      expect(incrementAt(price, DEFAULT_INCREMENTS)).toBe(increment);
    });
  });

  it('reads a custom table', () => {
    const table: IncrementBand[] = [
      { upTo: 100, increment: 1 },
      { upTo: null, increment: 25 },
    ];
    expect([99, 100, 10_000].map((p) => incrementAt(p, table))).toEqual([1, 25, 25]);
  });

  it('throws for a price beyond a bounded last band', () => {
    expect(() => incrementAt(100, [{ upTo: 100, increment: 1 }])).toThrow(RangeError);
    expect(() => incrementAt(0, [])).toThrow(RangeError);
  });

  it('is frozen in DEFAULT_INCREMENTS, which every auction may share', () => {
    expect(Object.isFrozen(DEFAULT_INCREMENTS)).toBe(true);
    expect(DEFAULT_INCREMENTS.every((band) => Object.isFrozen(band))).toBe(true);
  });
});

describe(validateIncrementTable.name, () => {
  const first = { upTo: 1_000, increment: 10 };
  const last = { upTo: null, increment: 100 };

  it.each<[string, IncrementBand[], string | null]>([
    ['the default table', [...DEFAULT_INCREMENTS], null],
    ['a single open band', [last], null],
    ['an empty table', [], 'increment table is empty'],
    ['a bounded last band', [{ upTo: 1_000, increment: 10 }], 'last band must have upTo null (no upper bound)'],
    [
      'an open band before the last',
      [{ upTo: null, increment: 10 }, last],
      'band 0: only the last band may have upTo null',
    ],
    ['equal upTo', [first, { upTo: 1_000, increment: 20 }, last], "band 1: upTo must be above the previous band's (1000)"],
    ['descending upTo', [first, { upTo: 999, increment: 20 }, last], "band 1: upTo must be above the previous band's (1000)"],
    ['a zero upTo', [{ upTo: 0, increment: 10 }, last], 'band 0: upTo must be a positive integer'],
    ['a fractional upTo', [{ upTo: 10.5, increment: 10 }, last], 'band 0: upTo must be a positive integer'],
    ['a zero increment', [{ upTo: 1_000, increment: 0 }, last], 'band 0: increment must be a positive integer'],
    ['a negative increment', [{ upTo: 1_000, increment: -50 }, last], 'band 0: increment must be a positive integer'],
    ['a fractional increment', [{ upTo: 1_000, increment: 0.5 }, last], 'band 0: increment must be a positive integer'],
    ['a bad increment on the last band', [first, { upTo: null, increment: NaN }], 'band 1: increment must be a positive integer'],
    ['an unsafe increment', [{ upTo: null, increment: 2 ** 53 }], 'band 0: increment must be a positive integer'],
  ])('%s', (_name, table, expected) => {
    expect(validateIncrementTable(table)).toBe(expected);
  });
});
