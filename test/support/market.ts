import { TEST_ADMIN_TOKEN } from './platform';

/** Calls the admin API with the test platform's admin token. */
export async function admin(baseUrl: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${baseUrl}/v1/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** A fresh instrument symbol, unique across test files sharing the database. */
export function freshSymbol(prefix = 'T'): string {
  return `${prefix}${Math.random().toString(36).slice(2, 9).toUpperCase()}`;
}

/**
 * Adds an instrument (tick 5 minor units, lot 10) and a publisher key for it, made its active
 * source; returns the key.
 */
export async function publisherFor(baseUrl: string, symbol: string, instrument: Record<string, unknown> = {}): Promise<{ key: string; id: string }> {
  const added = await admin(baseUrl, 'POST', '/instruments', {
    symbol, displayName: `Test ${symbol}`, priceScale: 2, tickSize: 5, sizeScale: 0, lotSize: 10, quoteCurrency: 'USD', ...instrument,
  });
  if (added.status !== 201) throw new Error(`add instrument: ${added.status} ${await added.text()}`);
  const created = await admin(baseUrl, 'POST', '/keys', { name: `pub-${symbol}`, scopes: ['feed:publish', 'feed:read'], publishSymbols: [symbol] });
  if (created.status !== 201) throw new Error(`create key: ${created.status} ${await created.text()}`);
  const key = (await created.json()) as { key: string; id: string };
  const sourced = await admin(baseUrl, 'PUT', `/instruments/${symbol}/source`, { source: 'publisher', keyId: key.id });
  if (sourced.status !== 204) throw new Error(`set source: ${sourced.status} ${await sourced.text()}`);
  return key;
}
