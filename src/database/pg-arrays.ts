/**
 * PostgreSQL array literals for statement parameters (`$1::bigint[]`, `$2::text[]`, ...), built
 * in one pass. node-postgres builds the same literal from a JS array, but runs a type dispatch
 * and two regular-expression replaces per element; a bid batch's write sends about thirty arrays
 * of up to a few hundred elements each. Cast the parameter in SQL: the literal is untyped text.
 */

/** `{1,2,NULL}`. Integers only: money and sequence numbers are never floats. */
export function integerArray(values: readonly (number | null)[]): string {
  let literal = '{';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0) literal += ',';
    if (value === null) literal += 'NULL';
    else if (Number.isSafeInteger(value)) literal += value;
    else throw new RangeError(`not a safe integer: ${value}`);
  }
  return literal + '}';
}

/** `{t,f}`. */
export function booleanArray(values: readonly boolean[]): string {
  let literal = '{';
  for (let i = 0; i < values.length; i++) literal += (i > 0 ? ',' : '') + (values[i] ? 't' : 'f');
  return literal + '}';
}

/**
 * `{"a","b \"c\"",NULL}`: every element quoted (so no string is read as NULL, and commas,
 * braces and spaces need no care), backslashes and double quotes escaped.
 */
export function textArray(values: readonly (string | null)[]): string {
  let literal = '{';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0) literal += ',';
    if (value === null) literal += 'NULL';
    else literal += '"' + (NEEDS_ESCAPE.test(value) ? value.replace(ESCAPED, '\\$&') : value) + '"';
  }
  return literal + '}';
}

const NEEDS_ESCAPE = /["\\]/;
const ESCAPED = /["\\]/g;
