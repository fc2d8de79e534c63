/** One band of a bid-increment table, in minor units. */
export interface IncrementBand {
  /** The band applies while the price is below this; null on the last band (no upper bound). */
  upTo: number | null;
  increment: number;
}

// Frozen: one shared table serves every auction that doesn't bring its own.
export const DEFAULT_INCREMENTS: readonly IncrementBand[] = Object.freeze(
  [
    { upTo: 2_000, increment: 50 }, // 0.50 below 20.00
    { upTo: 20_000, increment: 100 }, // 1 below 200
    { upTo: 100_000, increment: 500 }, // 5 below 1,000
    { upTo: 500_000, increment: 1_000 }, // 10 below 5,000
    { upTo: 2_500_000, increment: 5_000 }, // 50 below 25,000
    { upTo: null, increment: 10_000 }, // 100 above
  ].map((band) => Object.freeze(band)),
);

/** The smallest step above `price`: the increment of the first band whose `upTo` lies above it. */
export function incrementAt(price: number, table: readonly IncrementBand[]): number {
  for (const band of table) {
    if (band.upTo === null || price < band.upTo) return band.increment;
  }
  // Only a table that validateIncrementTable rejects gets here.
  throw new RangeError(`No increment band covers price ${price}`);
}

/** Null when the table is usable, else what is wrong with it. */
export function validateIncrementTable(table: readonly IncrementBand[]): string | null {
  if (table.length === 0) return 'increment table is empty';
  let previousUpTo = 0;
  for (const [index, { upTo, increment }] of table.entries()) {
    if (!isPositiveSafeInteger(increment)) return `band ${index}: increment must be a positive integer`;
    const last = index === table.length - 1;
    if (last) return upTo === null ? null : 'last band must have upTo null (no upper bound)';
    if (upTo === null) return `band ${index}: only the last band may have upTo null`;
    if (!isPositiveSafeInteger(upTo)) return `band ${index}: upTo must be a positive integer`;
    if (upTo <= previousUpTo) return `band ${index}: upTo must be above the previous band's (${previousUpTo})`;
    previousUpTo = upTo;
  }
  return null; // unreachable: the last band returns above
}

function isPositiveSafeInteger(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0;
}
