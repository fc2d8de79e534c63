import type { ValueTransformer } from 'typeorm';

/**
 * PostgreSQL `bigint` arrives from pg as a string. Money and sizes stay integers: this
 * converts to a JS number only when it is exactly representable, and refuses otherwise.
 */
export const safeIntegerColumn: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null): number | null => {
    if (value === null) return null;
    const n = Number(value);
    if (!Number.isSafeInteger(n)) throw new RangeError(`bigint ${value} is outside the safe integer range`);
    return n;
  },
};
