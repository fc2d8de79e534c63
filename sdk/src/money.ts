/**
 * Integer minor units to an exact decimal string: (1234567, 2) → "12345.67", (-5, 3) → "-0.005".
 * String and BigInt arithmetic only: prices never pass through a float.
 */
export function formatMinor(amount: number | bigint, scale: number): string {
  if (!Number.isInteger(scale) || scale < 0) throw new RangeError(`scale must be a non-negative integer (got ${scale})`);
  const value = BigInt(amount); // throws for a non-integer number
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = scale > 0 ? `.${digits.slice(digits.length - scale)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}
