import { formatMinor } from './money';

describe(formatMinor.name, () => {
  it.each([
    [1234567, 2, '12345.67'],
    [5, 2, '0.05'],
    [0, 2, '0.00'],
    [-5, 3, '-0.005'],
    [-123456, 2, '-1234.56'],
    [42, 0, '42'],
    [9528419, 5, '95.28419'],
    [123456789012345n, 8, '1234567.89012345'],
    [2 ** 53 - 1, 2, '90071992547409.91'], // exact at the largest safe integer: no float in between
  ])('%p with scale %i is %s', (amount, scale, text) => {
    expect(formatMinor(amount, scale)).toBe(text);
  });

  it('refuses fractions of a minor unit and bad scales', () => {
    expect(() => formatMinor(1.5, 2)).toThrow(RangeError);
    expect(() => formatMinor(1, -1)).toThrow(RangeError);
  });
});
