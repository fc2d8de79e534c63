import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { SignJWT } from 'jose';
import { STATUS_CODES } from 'node:http';
import { CreateAuctionDto } from '../src/auction/dto/create-auction.dto';
import { CreateApiKeyDto } from '../src/auth/dto/create-api-key.dto';
import { decodeClientMessage } from '../src/gateway/wire/client-decoder';
import { Encoding } from '../src/gateway/wire/subprotocol';
import { FEATURE_ERROR_CODES, featureStatus } from '../src/http/http-errors';
import type { FeatureErrorCode } from '../src/http/http-errors';
import { CreateInstrumentDto, SetSourceDto } from '../src/market/dto/instrument.dto';
import { docSection } from './support/contract-text';
import { startTestPlatform, TEST_ADMIN_TOKEN } from './support/platform';
import type { TestPlatform } from './support/platform';

type Access = 'public' | 'admin' | 'seller' | 'publisher';

/**
 * Who may call each operation, read off the guards: AdminGuard on both admin controllers,
 * SellerGuard on creating auctions, PublishController's own API-key check; the rest has no
 * guard. An operation missing here fails the test: decide who may call it.
 */
const ACCESS: Record<string, Access> = {
  listInstruments: 'public',
  getInstrument: 'public',
  listCandles: 'public',
  listAuctions: 'public',
  getAuction: 'public',
  listBids: 'public',
  createAuction: 'seller',
  publish: 'publisher',
  addInstrument: 'admin',
  setInstrumentSource: 'admin',
  retireInstrument: 'admin',
  createApiKey: 'admin',
  listApiKeys: 'admin',
  revokeApiKey: 'admin',
};

/** The credentials each kind of caller may use (src/auth: AdminGuard, AuthService.authenticate). */
const CREDENTIALS: Record<Access, string[]> = {
  public: [],
  admin: ['adminToken'],
  seller: ['adminToken', 'bearerToken', 'accessTokenQuery', 'apiKey', 'apiKeyQuery', 'devBidder'],
  publisher: ['apiKey', 'apiKeyQuery'],
};

/** Where the server reads each credential. */
const SCHEMES: Record<string, Record<string, string>> = {
  adminToken: { type: 'http', scheme: 'bearer' },
  bearerToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
  accessTokenQuery: { type: 'apiKey', in: 'query', name: 'access_token' },
  apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
  apiKeyQuery: { type: 'apiKey', in: 'query', name: 'api_key' },
  devBidder: { type: 'apiKey', in: 'query', name: 'bidder' },
};

/** Operations that cannot answer a client error: no parameters, no body. */
const NO_CLIENT_ERRORS = new Set(['listInstruments']);

/** The server's own check of each request body's example. */
const BODY_CHECKS: Record<string, (example: unknown) => string | null> = {
  CreateAuctionDto: validates(CreateAuctionDto),
  CreateInstrumentDto: validates(CreateInstrumentDto),
  SetSourceDto: validates(SetSourceDto),
  CreateApiKeyDto: validates(CreateApiKeyDto),
  PublishRequestDto: (example) => {
    const decoded = decodeClientMessage(Buffer.from(JSON.stringify({ publish: example })), false, Encoding.Json);
    return decoded.ok ? null : decoded.reason;
  },
};

const ERROR_REFS = new Set(['#/components/schemas/ErrorResponse', '#/components/schemas/ValidationErrorResponse']);
const JWT_SECRET = 'openapi-test-secret-at-least-32-characters';
const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';

describe('the OpenAPI document at /docs/openapi.json', () => {
  let platform: TestPlatform;
  let doc: Doc;
  beforeAll(async () => {
    platform = await startTestPlatform({ AUTH_JWT_SECRET: JWT_SECRET });
    doc = (await (await fetch(`${platform.url}/docs/openapi.json`)).json()) as Doc;
  });
  afterAll(() => platform.stop());

  it('is OpenAPI 3 with unique operation ids, declared path parameters and only the REST API', () => {
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    const ids = operationsOf(doc).map((o) => o.id);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, op, id } of operationsOf(doc)) {
      const declared = (op.parameters ?? []).filter((p) => p.in === 'path' && p.required).map((p) => p.name);
      expect({ id, params: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort() }).toEqual({ id, params: declared.sort() });
    }
    // Operators' endpoints are not part of the REST API document.
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/health') || p === '/metrics')).toEqual([]);
  });

  it('resolves every $ref and declares every credential an operation names, where the server reads it', () => {
    const unresolved = [...refsIn(doc)].filter((ref) => !ref.startsWith('#/components/schemas/') || !doc.components.schemas[ref.split('/')[3]]);
    expect(unresolved).toEqual([]);
    const named = new Set(operationsOf(doc).flatMap(({ op }) => (op.security ?? []).flatMap((requirement) => Object.keys(requirement))));
    expect([...named].filter((name) => !doc.components.securitySchemes?.[name])).toEqual([]);
    expect(doc.components.securitySchemes).toEqual(
      Object.fromEntries(Object.entries(SCHEMES).map(([name, scheme]) => [name, { ...scheme, description: expect.any(String) }])),
    );
    expect(doc.security).toBeUndefined(); // nothing applies to every operation: the public ones need none
  });

  it('describes the shared error body with every feature error code', () => {
    const code = resolve(doc, doc.components.schemas.ErrorResponse.properties!.code);
    expect(code.enum).toEqual([...FEATURE_ERROR_CODES]);
    expect(doc.components.schemas.ErrorResponse.required?.sort()).toEqual(['code', 'error', 'message', 'statusCode']);
    expect(doc.components.schemas.ValidationErrorResponse.properties).not.toHaveProperty('code');
  });

  it('documents every operation: success with a schema and an example, errors with the error body, credentials as the guards ask', () => {
    const problems: string[] = [];
    for (const { id, op } of operationsOf(doc)) {
      const problem = (what: string) => problems.push(`${id}: ${what}`);
      const access = ACCESS[id];
      if (!access) problem('not in the ACCESS table of this test');
      for (const [status, response] of Object.entries(op.responses)) {
        if (!response.description) problem(`${status} has no description`);
      }

      const successes = Object.entries(op.responses).filter(([status]) => /^2\d\d$/.test(status));
      if (successes.length === 0) problem('no 2xx response');
      for (const [status, response] of successes) {
        if (status === '204') {
          if (response.content) problem('204 with content');
          continue;
        }
        const media = Object.entries(response.content ?? {});
        if (media.length === 0) problem(`${status} has no content`);
        for (const [type, content] of media) {
          if (!content.schema) problem(`${status} ${type} has no schema`);
          else if (!isBinary(content.schema)) missingExamples(doc, content).forEach((at) => problem(`${status} ${type} has no example for ${at}`));
        }
      }

      const errors = Object.entries(op.responses).filter(([status]) => /^[45]\d\d$/.test(status));
      if (!NO_CLIENT_ERRORS.has(id) && !errors.some(([status]) => status.startsWith('4'))) problem('no 4xx response');
      for (const [status, response] of errors) {
        const content = response.content?.['application/json'];
        if (!content?.schema || !isErrorSchema(content.schema)) problem(`${status} does not answer the shared error body`);
        for (const [name, example] of Object.entries(content?.examples ?? {})) {
          const body = example.value as { statusCode?: number; code?: FeatureErrorCode; error?: string };
          const expected: number = body.code ? featureStatus(body.code) : 400;
          if (body.statusCode !== Number(status) || expected !== Number(status) || body.error !== STATUS_CODES[status]) {
            problem(`${status} example ${name} is a ${body.statusCode} ${body.code ?? 'without code'}`);
          }
          if (content?.schema) conformity(doc, content.schema, body).forEach((p) => problem(`${status} example ${name}: ${p}`));
        }
      }

      const declared = (op.security ?? []).map((requirement) => Object.keys(requirement).join('+'));
      if (access && JSON.stringify(declared.sort()) !== JSON.stringify([...CREDENTIALS[access]].sort())) {
        problem(`credentials ${JSON.stringify(declared)}, but ${access} operations take ${JSON.stringify(CREDENTIALS[access])}`);
      }
      if (access && access !== 'public' && !op.responses['401']) problem('asks for credentials but documents no 401');

      for (const [type, content] of Object.entries(op.requestBody?.content ?? {})) {
        if (!content.schema) problem(`request ${type} has no schema`);
        else if (!isBinary(content.schema)) missingExamples(doc, content).forEach((at) => problem(`request ${type} has no example for ${at}`));
      }
      if (op.requestBody && Object.keys(op.requestBody.content ?? {}).length === 0) problem('request body without content');
    }
    expect(problems).toEqual([]);
  });

  it('gives examples that fit their schemas, request bodies ones the server accepts', () => {
    const problems: string[] = [];
    for (const { id, op } of operationsOf(doc)) {
      const json = [
        ...Object.entries(op.responses).filter(([status]) => /^2\d\d$/.test(status)).map(([status, r]) => [status, r.content?.['application/json']] as const),
        ['request', op.requestBody?.content?.['application/json']] as const,
      ];
      for (const [what, content] of json) {
        if (!content?.schema) continue;
        const example = content.example ?? exampleOf(doc, content.schema);
        conformity(doc, content.schema, example).forEach((p) => problems.push(`${id} ${what} example: ${p}`));
        if (what === 'request') {
          const check = BODY_CHECKS[content.schema.$ref?.split('/')[3] ?? ''];
          if (!check) problems.push(`${id}: no body check for ${JSON.stringify(content.schema)} in this test`);
          const refused = check?.(example);
          if (refused) problems.push(`${id} request example is refused: ${refused}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('answers 401 without credentials exactly where it asks for them, and the documented shapes', async () => {
    const problems: string[] = [];
    for (const { id, method, path, op } of operationsOf(doc)) {
      const response = await fetch(`${platform.url}${path.replace(/\{[^}]+\}/g, NO_SUCH_ID)}`, {
        method: method.toUpperCase(),
        ...(op.requestBody ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}),
      });
      const secured = (op.security ?? []).length > 0;
      if (secured ? response.status !== 401 : [401, 403].includes(response.status)) problems.push(`${id} without credentials: ${response.status}`);
      const documented = op.responses[String(response.status)]?.content?.['application/json']?.schema;
      if (!documented) problems.push(`${id} answered an undocumented ${response.status}`);
      else conformity(doc, documented, await response.json()).forEach((p) => problems.push(`${id} ${response.status}: ${p}`));
    }
    expect(problems).toEqual([]);
  });

  it('accepts every credential it declares, as the document says to send it, and answers the documented shapes', async () => {
    const key = (await (await fetch(`${platform.url}/v1/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'openapi-probe', scopes: ['bid:write', 'auction:write', 'feed:publish'] }),
    })).json() as { key: string }).key;
    const jwt = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('openapi-jwt-seller').setIssuer('bidtape')
      .setAudience('bidtape-stream').setExpirationTime(Math.floor(Date.now() / 1000) + 60).sign(new TextEncoder().encode(JWT_SECRET));
    const secrets: Record<string, string> = {
      adminToken: TEST_ADMIN_TOKEN, bearerToken: jwt, accessTokenQuery: jwt, apiKey: key, apiKeyQuery: key, devBidder: 'openapi-dev-seller',
    };
    const lot = { ...(exampleOf(doc, requestSchema(doc, 'createAuction')) as object), sellerHandle: undefined, startAt: undefined,
      endAt: new Date(Date.now() + 3_600_000).toISOString() };
    // One operation of each kind that only reads or adds, called with each credential its kind takes.
    const probes: Record<Exclude<Access, 'public'>, { id: string; body?: unknown }> = {
      admin: { id: 'listApiKeys' }, seller: { id: 'createAuction', body: lot }, publisher: { id: 'publish', body: {} },
    };
    const problems: string[] = [];
    for (const [access, probe] of Object.entries(probes)) {
      const { method, path, op } = operationsOf(doc).find((o) => o.id === probe.id)!;
      expect(ACCESS[probe.id]).toBe(access);
      for (const requirement of op.security ?? []) {
        const [name] = Object.keys(requirement);
        const scheme = doc.components.securitySchemes![name];
        const url = new URL(`${platform.url}${path}`);
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (scheme.type === 'http') headers.authorization = `Bearer ${secrets[name]}`;
        else if (scheme.in === 'header') headers[scheme.name!] = secrets[name];
        else url.searchParams.set(scheme.name!, secrets[name]);
        const response = await fetch(url, { method: method.toUpperCase(), headers, body: probe.body === undefined ? undefined : JSON.stringify(probe.body) });
        const schema = op.responses[String(response.status)]?.content?.['application/json']?.schema;
        if (!/^2\d\d$/.test(String(response.status)) || !schema) problems.push(`${probe.id} with ${name}: ${response.status} ${await response.text()}`);
        else conformity(doc, schema, await response.json()).forEach((p) => problems.push(`${probe.id} with ${name}: ${p}`));
      }
    }
    expect(problems).toEqual([]);
  });

  it('answers a body that does not parse, and one over the limit, with the codes each operation taking a body documents', async () => {
    const problems: string[] = [];
    const bodies = [['{"name":', 400, 'MALFORMED_BODY'], [`[${' '.repeat(4 * 1024 * 1024)}]`, 413, 'BODY_TOO_LARGE']] as const;
    const withBodies = operationsOf(doc).filter(({ op }) => op.requestBody);
    expect(withBodies.map(({ id }) => id).sort()).toEqual(['addInstrument', 'createApiKey', 'createAuction', 'publish', 'setInstrumentSource']);
    for (const { id, method, path, op } of withBodies) {
      for (const [body, status, code] of bodies) {
        const documented = op.responses[String(status)]?.content?.['application/json'];
        if (!documented?.examples?.[code]) problems.push(`${id}: ${status} ${code} is not documented`);
        // Bodies are read before credentials are checked: none are needed to meet these answers.
        const response = await fetch(`${platform.url}${path.replace(/\{[^}]+\}/g, 'ACME')}`, {
          method: method.toUpperCase(), headers: { 'content-type': 'application/json' }, body,
        });
        const answer = (await response.json()) as { code?: string };
        if (response.status !== status || answer.code !== code) problems.push(`${id}: ${response.status} ${JSON.stringify(answer)}`);
        else if (documented?.schema) conformity(doc, documented.schema, answer).forEach((p) => problems.push(`${id} ${status}: ${p}`));
      }
    }
    expect(problems).toEqual([]);
  });

  it('names in protocol.md every instrument source the API can answer', () => {
    const sources = resolve(doc, doc.components.schemas.InstrumentViewDto.properties!.source).enum as string[];
    expect(sources).toContain('replay');
    const text = docSection('protocol.md', '### Instruments');
    const listed = /source: (.*?)\)\. The operator/.exec(text)?.[1] ?? '';
    expect(sources.filter((source) => !new RegExp(`\\b${source}\\b`).test(listed))).toEqual([]);
  });

  it('answers the public reads in the documented shapes', async () => {
    const problems: string[] = [];
    for (const [id, path] of [['listInstruments', '/v1/instruments'], ['getInstrument', '/v1/instruments/AAPL'], ['listAuctions', '/v1/auctions?limit=5'],
      ['listCandles', '/v1/instruments/AAPL/candles?interval=1m&limit=5']]) {
      const response = await fetch(`${platform.url}${path}`);
      const schema = operationsOf(doc).find((o) => o.id === id)!.op.responses[String(response.status)]?.content?.['application/json']?.schema;
      if (response.status !== 200 || !schema) problems.push(`${id}: ${response.status}`);
      else conformity(doc, schema, await response.json()).forEach((p) => problems.push(`${id}: ${p}`));
    }
    expect(problems).toEqual([]);
  });
});

interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  nullable?: boolean;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  oneOf?: Schema[];
  allOf?: Schema[];
  example?: unknown;
}
interface Media {
  schema?: Schema;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface Operation {
  operationId: string;
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content?: Record<string, Media> };
  responses: Record<string, { description?: string; content?: Record<string, Media> }>;
  security?: Record<string, string[]>[];
}
interface Doc {
  openapi: string;
  info: unknown;
  security?: unknown;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes?: Record<string, { type: string; in?: string; name?: string }> };
}

function operationsOf(doc: Doc): { id: string; method: string; path: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ id: op.operationId, method, path, op })));
}

function requestSchema(doc: Doc, id: string): Schema {
  return operationsOf(doc).find((o) => o.id === id)!.op.requestBody!.content!['application/json'].schema!;
}

function resolve(doc: Doc, schema: Schema): Schema {
  if (schema.$ref) return resolve(doc, doc.components.schemas[schema.$ref.split('/')[3]]);
  if (schema.allOf?.length === 1 && !schema.properties) return { ...resolve(doc, schema.allOf[0]), ...schema, allOf: undefined };
  return schema;
}

function refsIn(value: unknown): Set<string> {
  const refs = new Set<string>();
  JSON.stringify(value, (key, v: unknown) => {
    if (key === '$ref' && typeof v === 'string') refs.add(v);
    return v;
  });
  return refs;
}

function isBinary(schema: Schema): boolean {
  return schema.type === 'string' && schema.format === 'binary';
}

function isErrorSchema(schema: Schema): boolean {
  return schema.$ref ? ERROR_REFS.has(schema.$ref) : (schema.oneOf ?? []).length > 0 && schema.oneOf!.every((s) => isErrorSchema(s));
}

/** Where a media type's example cannot be told: the paths of values with no example of their own or of their parts. */
function missingExamples(doc: Doc, media: Media): string[] {
  if (media.example !== undefined || Object.keys(media.examples ?? {}).length > 0) return [];
  const walk = (schema: Schema, at: string, depth: number): string[] => {
    if (schema.example !== undefined) return [];
    const resolved = resolve(doc, schema);
    if (resolved.example !== undefined) return [];
    if (depth > 8) return [`${at} (too deep)`];
    if (resolved.oneOf) return resolved.oneOf.flatMap((s, i) => walk(s, `${at}|${i}`, depth + 1));
    if (resolved.type === 'array' && resolved.items) return walk(resolved.items, `${at}[]`, depth + 1);
    if (resolved.properties) return Object.entries(resolved.properties).flatMap(([name, s]) => walk(s, `${at}.${name}`, depth + 1));
    return [at || '(body)'];
  };
  return walk(media.schema!, '', 0);
}

/** The example a schema gives, assembled from its parts' examples. */
function exampleOf(doc: Doc, schema: Schema): unknown {
  if (schema.example !== undefined) return schema.example;
  const resolved = resolve(doc, schema);
  if (resolved.example !== undefined) return resolved.example;
  if (resolved.oneOf) return exampleOf(doc, resolved.oneOf[0]);
  if (resolved.type === 'array') return [exampleOf(doc, resolved.items!)];
  return Object.fromEntries(Object.entries(resolved.properties ?? {}).map(([name, s]) => [name, exampleOf(doc, s)]));
}

/** What in `value` the schema does not allow (types, enums, required and undocumented properties). */
function conformity(doc: Doc, schema: Schema, value: unknown, at = '$'): string[] {
  const s = resolve(doc, schema);
  if (value === null) return s.nullable ? [] : [`${at} is null`];
  if (s.oneOf) return s.oneOf.some((branch) => conformity(doc, branch, value, at).length === 0) ? [] : [`${at} fits no oneOf branch: ${JSON.stringify(value)}`];
  if (s.enum && !s.enum.includes(value)) return [`${at} = ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`];
  const type = s.type ?? (s.properties ? 'object' : 'any');
  switch (type) {
    case 'integer':
      return Number.isSafeInteger(value) ? [] : [`${at} is not an integer: ${JSON.stringify(value)}`];
    case 'number':
    case 'string':
    case 'boolean':
      return typeof value === type ? [] : [`${at} is not a ${type}: ${JSON.stringify(value)}`];
    case 'array':
      return Array.isArray(value) ? value.flatMap((item, i) => conformity(doc, s.items!, item, `${at}[${i}]`)) : [`${at} is not an array`];
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${at} is not an object`];
      const record = value as Record<string, unknown>;
      return [
        ...(s.required ?? []).filter((name) => !(name in record)).map((name) => `${at}.${name} is missing`),
        ...Object.keys(record).filter((name) => !s.properties?.[name]).map((name) => `${at}.${name} is not documented`),
        ...Object.entries(record).flatMap(([name, v]) => (s.properties?.[name] && v !== undefined ? conformity(doc, s.properties[name], v, `${at}.${name}`) : [])),
      ];
    }
    default:
      return [];
  }
}

function validates(type: new () => object): (example: unknown) => string | null {
  return (example) => {
    const errors = validateSync(plainToInstance(type, example), { whitelist: true, forbidNonWhitelisted: true });
    return errors.length > 0 ? errors.map((e) => e.toString()).join('; ') : null;
  };
}
