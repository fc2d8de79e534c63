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

/**
 * An exact decimal string to integer minor units: ("10.5", 2) → 1050, ("7", 0) → 7. Refuses
 * more decimals than the scale allows, signs, exponents and anything beyond 2^53 − 1.
 */
export function parseDecimal(text: string, scale: number): number {
  if (!Number.isInteger(scale) || scale < 0) throw new RangeError(`scale must be a non-negative integer (got ${scale})`);
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) throw new RangeError(`"${text}" is not a decimal amount like 10.50`);
  const fraction = match[2] ?? '';
  if (fraction.length > scale) throw new RangeError(`"${text}" has ${fraction.length} decimals; this currency has ${scale}`);
  const minor = BigInt(match[1] + fraction.padEnd(scale, '0'));
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`"${text}" is too large`);
  return Number(minor);
}
