import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The words of the contract as a reader finds them, to check against what the server does:
 * the comment of a field or enum value in proto/bidtape/v1, a row of a table in docs/. Text is
 * returned flat: comment markers and backticks dropped, whitespace collapsed.
 */

const ROOT = path.resolve(__dirname, '../..');
const PROTO_DIR = path.join(ROOT, 'proto/bidtape/v1');

export function flat(text: string): string {
  return text.replace(/^\s*\/\/ ?/gm, '').replace(/`/g, '').replace(/\s+/g, ' ').trim();
}

/** The comment right above `member` (a field or enum value name) inside the message or enum `declaration`. */
export function protoComment(declaration: string, member: string): string {
  for (const file of readdirSync(PROTO_DIR).filter((f) => f.endsWith('.proto'))) {
    const lines = readFileSync(path.join(PROTO_DIR, file), 'utf8').split('\n');
    const start = lines.findIndex((line) => new RegExp(`^(message|enum) ${declaration} \\{`).test(line));
    if (start < 0) continue;
    const end = lines.indexOf('}', start);
    const at = lines.findIndex((line, i) => i > start && i < end && new RegExp(`^\\s+(?:\\S+ )*${member} = \\d+;`).test(line));
    if (at < 0) throw new Error(`${file}: no ${member} in ${declaration}`);
    let first = at;
    while (lines[first - 1].trim().startsWith('//')) first--;
    return flat(lines.slice(first, at).join('\n'));
  }
  throw new Error(`no message or enum ${declaration} in ${PROTO_DIR}`);
}

/** The text of a file of docs/. */
export function doc(name: string): string {
  return readFileSync(path.join(ROOT, 'docs', name), 'utf8');
}

/** The flat text of the table row of docs/`name` whose first cell starts with `key` (backticks ignored). */
export function docRow(name: string, key: string): string {
  const row = doc(name).split('\n').find((line) => line.startsWith('|') && flat(line.split('|')[1]).startsWith(key));
  if (!row) throw new Error(`docs/${name}: no table row for ${key}`);
  return flat(row);
}

/** The flat text of the section of docs/`name` under `heading`, up to the next heading of any level. */
export function docSection(name: string, heading: string): string {
  const text = doc(name);
  const start = text.indexOf(`${heading}\n`);
  if (start < 0) throw new Error(`docs/${name}: no heading ${heading}`);
  const rest = text.slice(start + heading.length);
  const end = rest.search(/^#{1,6} /m);
  return flat(end < 0 ? rest : rest.slice(0, end));
}
