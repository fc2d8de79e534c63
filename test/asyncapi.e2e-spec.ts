import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import type { AsyncAPIDocumentInterface, Diagnostic, MessageInterface } from '@asyncapi/parser';
import { ProtoBuffSchemaParser } from '@asyncapi/protobuf-schema-parser';
import type protobuf from 'protobufjs';
import { parse as parseYaml } from 'yaml';
import { CloseCode } from '../src/gateway/close-codes';
import { SUBPROTOCOL_JSON, SUBPROTOCOL_PROTO } from '../src/gateway/wire/subprotocol';
import { ASYNCAPI_FILE, loadContract, payloadSources } from './support/asyncapi-payloads';

/**
 * docs/asyncapi.yaml against the contract: valid for @asyncapi/parser (what `asyncapi validate`
 * runs), and complete: every case of the protobuf envelopes, every close code of protocol.md.
 */

const ROOT = path.resolve(__dirname, '..');
const REGENERATE = 'node -r ts-node/register/transpile-only test/support/asyncapi-payloads.ts';
const ENVELOPE_KIND = 'kind';

interface RawMessage {
  title: string;
  payload: { schemaFormat: string; schema: string };
}

/** The cases of an envelope's `oneof kind`: case name -> message type name. */
function casesOf(contract: protobuf.Root, envelope: string): Map<string, string> {
  const oneof = contract.lookupType(`bidtape.v1.${envelope}`).oneofs[ENVELOPE_KIND];
  return new Map(oneof.fieldsArray.map((field) => [field.name, field.resolvedType!.name]));
}

/** The codes of the table under "### Close codes" in docs/protocol.md. */
function protocolCloseCodes(): number[] {
  const text = readFileSync(path.join(ROOT, 'docs/protocol.md'), 'utf8');
  const section = /^### Close codes\n([\s\S]*?)(?=^#)/m.exec(text)?.[1] ?? '';
  return [...section.matchAll(/^\|\s*(\d{4})\b/gm)].map((match) => Number(match[1]));
}

/** Query parameters the server reads on the handshake (`searchParams.get('…')` in auth and gateway). */
function handshakeQueryParameters(): string[] {
  const names = new Set<string>();
  for (const dir of ['src/auth', 'src/gateway']) {
    for (const file of readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts') || file.endsWith('.spec.ts')) continue;
      const source = readFileSync(path.join(ROOT, dir, file), 'utf8');
      for (const match of source.matchAll(/searchParams\.get\('([^']+)'\)/g)) names.add(match[1]);
    }
  }
  return [...names].sort();
}

function namesOf(messages: MessageInterface[]): string[] {
  return messages.map((message) => message.name() ?? `(unnamed ${message.id()})`).sort();
}

describe('docs/asyncapi.yaml', () => {
  const contract = loadContract();
  const clientCases = casesOf(contract, 'ClientMessage');
  const serverCases = casesOf(contract, 'ServerMessage');
  let document: AsyncAPIDocumentInterface;
  let diagnostics: Diagnostic[];

  beforeAll(async () => {
    const parser = new Parser();
    parser.registerSchemaParser(ProtoBuffSchemaParser());
    const parsed = await parser.parse(readFileSync(ASYNCAPI_FILE, 'utf8'));
    diagnostics = parsed.diagnostics;
    document = parsed.document!;
  });

  it('is a valid AsyncAPI document', () => {
    // Spectral's severity enum comes from another copy of @stoplight/types than the parser's: compare values.
    const errors = diagnostics.filter((diagnostic) => Number(diagnostic.severity) === Number(DiagnosticSeverity.Error));
    expect(errors.map((error) => `${error.path.join('.')}: ${error.message}`)).toEqual([]);
    expect(document).toBeDefined();
  });

  it('has a send operation for every case of ClientMessage and a receive one for every case of ServerMessage', () => {
    const sent = document.operations().filterBySend().flatMap((operation) => operation.messages().all());
    const received = document.operations().filterByReceive().flatMap((operation) => operation.messages().all());
    expect(namesOf(sent)).toEqual([...clientCases.keys()].sort());
    expect(namesOf(received)).toEqual([...serverCases.keys()].sort());
    // Each message's payload is the case's protobuf message, as the schema parser resolved it.
    for (const [messages, cases] of [[sent, clientCases], [received, serverCases]] as const) {
      for (const message of messages) {
        const type = cases.get(message.name()!);
        expect({ name: message.name(), title: message.title(), payload: message.payload()?.title() })
          .toEqual({ name: message.name(), title: type, payload: type });
      }
    }
  });

  it(`carries in each payload the .proto text of its message as in proto/ (to update: ${REGENERATE})`, () => {
    const sources = payloadSources(contract);
    const raw = parseYaml(readFileSync(ASYNCAPI_FILE, 'utf8')) as { components: { messages: Record<string, RawMessage> } };
    const entries = Object.entries(raw.components.messages);
    expect(entries.length).toBe(clientCases.size + serverCases.size);
    const stale = entries.filter(([, message]) => message.payload.schema !== sources.get(message.title)).map(([key]) => key);
    expect(stale).toEqual([]);
    expect(new Set(entries.map(([, message]) => message.payload.schemaFormat))).toEqual(new Set(['application/vnd.google.protobuf;version=3']));
  });

  it('correlates every reply by request_id with the id of the client message', () => {
    const envelopeFields = contract.lookupType('bidtape.v1.ClientMessage').fieldsArray.filter((field) => !field.partOf);
    for (const operation of document.operations().filterBySend()) {
      for (const message of operation.messages().all()) {
        expect(Object.keys(message.headers()?.properties() ?? {})).toEqual(envelopeFields.map((field) => field.name));
        expect(message.correlationId()?.location()).toBe('$message.header#/id');
      }
    }
    // A server message is a reply exactly when its type carries request_id.
    const correlated = [...serverCases].filter(([, type]) => contract.lookupType(`bidtape.v1.${type}`).fields.request_id).map(([name]) => name);
    const received = document.operations().filterByReceive().flatMap((operation) => operation.messages().all());
    const withCorrelation = received.filter((message) => message.correlationId()?.location() === '$message.payload#/request_id');
    expect(namesOf(withCorrelation)).toEqual(correlated.sort());
    const replies = new Set<string>();
    for (const operation of document.operations().filterBySend()) {
      const reply = operation.reply();
      expect(reply?.channel()?.address()).toBe('/v1/stream');
      for (const name of namesOf(reply?.messages().all() ?? [])) replies.add(name);
    }
    expect([...replies].sort()).toEqual(correlated);
  });

  it('lists every close code of docs/protocol.md, and every code the server closes with', () => {
    const documented = document.channels().get('stream')!.extensions().get('x-close-codes')!.value<{ code: number }[]>()
      .map((entry) => entry.code).sort();
    const table = protocolCloseCodes();
    expect(table.length).toBeGreaterThan(5);
    expect(documented).toEqual([...table].sort());
    const server = Object.values(CloseCode).filter((code) => typeof code === 'number');
    expect(documented).toEqual(expect.arrayContaining(server));
  });

  it('serves /v1/stream over ws with the subprotocols and handshake parameters the server accepts', () => {
    const channel = document.channels().get('stream')!;
    expect(channel.address()).toBe('/v1/stream');
    const servers = document.servers().all();
    expect(servers.map((server) => server.protocol())).toContain('ws');
    for (const server of servers) {
      expect(['ws', 'wss']).toContain(server.protocol());
      expect(server.hasPathname()).toBe(false); // the path is the channel's address
    }
    const subprotocols = channel.extensions().get('x-subprotocols')!.value<{ name: string }[]>().map((entry) => entry.name);
    expect(subprotocols).toEqual([SUBPROTOCOL_PROTO, SUBPROTOCOL_JSON]);
    const ws = channel.bindings().get('ws')!.value<{ query: { properties: object }; headers: { properties: object } }>();
    expect(Object.keys(ws.query.properties).sort()).toEqual(handshakeQueryParameters());
    expect(Object.keys(ws.headers.properties)).toEqual(expect.arrayContaining(['Sec-WebSocket-Protocol', 'Authorization', 'X-Api-Key']));
  });
});
