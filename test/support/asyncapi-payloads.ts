import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import { isMap, parseDocument, Scalar } from 'yaml';

/**
 * The message payloads of docs/asyncapi.yaml, made from proto/. The AsyncAPI protobuf schema
 * parser reads one .proto text per payload and cannot follow `import`s, so each payload holds
 * its message and every message and enum it uses, copied verbatim from proto/bidtape/v1/.
 * Run this file to rewrite the payloads after changing the contract:
 *   node -r ts-node/register/transpile-only test/support/asyncapi-payloads.ts
 */

export const ASYNCAPI_FILE = path.resolve(__dirname, '../../docs/asyncapi.yaml');
const PROTO_ROOT = path.resolve(__dirname, '../../proto');
const PACKAGE = 'bidtape.v1';
const PACKAGE_DIR = 'bidtape/v1';

function protoFiles(): string[] {
  return readdirSync(path.join(PROTO_ROOT, PACKAGE_DIR)).filter((file) => file.endsWith('.proto')).sort();
}

/** Every file of proto/bidtape/v1 as protobufjs reflection, field names as written. */
export function loadContract(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => path.join(PROTO_ROOT, target);
  return root.loadSync(protoFiles().map((file) => `${PACKAGE_DIR}/${file}`), { keepCase: true });
}

/**
 * Top-level `message` and `enum` declarations of proto/bidtape/v1 by name, each with the
 * comment lines right above it: from its first line to the first line that is a lone `}`
 * (buf format puts nested closing braces further right).
 */
function declarations(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of protoFiles()) {
    const lines = readFileSync(path.join(PROTO_ROOT, PACKAGE_DIR, file), 'utf8').split('\n');
    lines.forEach((line, index) => {
      const name = /^(?:message|enum)\s+(\w+)\s*\{/.exec(line)?.[1];
      if (!name) return;
      let first = index;
      while (first > 0 && lines[first - 1].startsWith('//')) first--;
      const last = line.trimEnd().endsWith('}') ? index : lines.indexOf('}', index);
      if (last < 0) throw new Error(`${file}: no closing brace for ${name}`);
      found.set(name, lines.slice(first, last + 1).join('\n'));
    });
  }
  return found;
}

/** The message and the package's messages and enums it uses, depth first in field order. */
function closure(type: protobuf.Type): protobuf.ReflectionObject[] {
  const seen: protobuf.ReflectionObject[] = [];
  const visit = (object: protobuf.ReflectionObject): void => {
    if (seen.includes(object)) return;
    if (object.parent?.fullName !== `.${PACKAGE}`) {
      throw new Error(`${object.fullName}: only top-level ${PACKAGE} types can be copied into a payload`);
    }
    seen.push(object);
    if (!(object instanceof protobuf.Type)) return;
    for (const field of object.fieldsArray) {
      if (field.resolvedType) visit(field.resolvedType);
    }
  };
  visit(type);
  return seen;
}

/** Payload text (a .proto file of its own) by message name, for every message of the package. */
export function payloadSources(root: protobuf.Root = loadContract()): Map<string, string> {
  const texts = declarations();
  const sources = new Map<string, string>();
  const namespace = root.lookup(PACKAGE);
  if (!(namespace instanceof protobuf.Namespace)) throw new Error(`no package ${PACKAGE} in proto/`);
  for (const object of namespace.nestedArray) {
    if (!(object instanceof protobuf.Type)) continue;
    const parts = closure(object).map((used) => {
      const text = texts.get(used.name);
      if (!text) throw new Error(`${used.fullName}: declaration not found in proto/${PACKAGE_DIR}`);
      return text;
    });
    sources.set(object.name, [
      `// ${PACKAGE}.${object.name} and what it uses, copied from proto/${PACKAGE_DIR}/ by`,
      '// test/support/asyncapi-payloads.ts.',
      'syntax = "proto3";',
      '',
      `package ${PACKAGE};`,
      '',
      parts.join('\n\n'),
      '',
    ].join('\n'));
  }
  return sources;
}

/** docs/asyncapi.yaml with every message payload set to its message's text (by the message's `title`). */
export function withPayloads(yamlText: string, sources: Map<string, string> = payloadSources()): string {
  const document = parseDocument(yamlText);
  const messages = document.getIn(['components', 'messages']);
  if (!isMap(messages)) throw new Error('docs/asyncapi.yaml has no components.messages');
  for (const pair of messages.items) {
    const title = String(document.getIn(['components', 'messages', String(pair.key), 'title']));
    const source = sources.get(title);
    if (!source) throw new Error(`components.messages.${String(pair.key)}: no message ${title} in proto/`);
    const node = new Scalar(source);
    node.type = Scalar.BLOCK_LITERAL;
    document.setIn(['components', 'messages', String(pair.key), 'payload', 'schema'], node);
  }
  return document.toString({ lineWidth: 0 });
}

if (require.main === module) {
  writeFileSync(ASYNCAPI_FILE, withPayloads(readFileSync(ASYNCAPI_FILE, 'utf8')));
  console.log(`wrote the payloads of ${path.relative(process.cwd(), ASYNCAPI_FILE)}`);
}
