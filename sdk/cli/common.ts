/** What every bidtape command shares: connection options, argument checks, exit codes. */
import { BidtapeClient } from '../src/index';

/** 0: done / accepted. 1: error (bad arguments, no connection, server error). 2: refused (bid rejected, keys not available). */
export const EXIT = { ok: 0, error: 1, refused: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the user can act on: printed without a stack trace. */
export class UsageError extends Error {}

export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  bidder: { type: 'string' },
  token: { type: 'string' },
  'api-key': { type: 'string' },
  encoding: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const CONNECTION_HELP = `Connection options (environment variable in brackets):
  --url <ws url>       stream endpoint [BIDTAPE_URL] (default ws://localhost:3000/v1/stream)
  --bidder <handle>    development identity [BIDTAPE_BIDDER]
  --token <jwt>        bearer token [BIDTAPE_TOKEN]
  --api-key <key>      partner API key [BIDTAPE_API_KEY]
  --encoding <e>       proto (default) or json: the subprotocol
  -h, --help           this help`;

export interface ConnectionValues {
  url?: string;
  bidder?: string;
  token?: string;
  'api-key'?: string;
  encoding?: string;
}

export function streamUrl(values: ConnectionValues): string {
  return values.url ?? process.env.BIDTAPE_URL ?? 'ws://localhost:3000/v1/stream';
}

export function createClient(values: ConnectionValues): BidtapeClient {
  const encoding = values.encoding ?? 'proto';
  if (encoding !== 'proto' && encoding !== 'json') throw new UsageError(`--encoding must be proto or json (got "${encoding}")`);
  return new BidtapeClient({
    url: streamUrl(values),
    bidder: values.bidder ?? process.env.BIDTAPE_BIDDER,
    token: values.token ?? process.env.BIDTAPE_TOKEN,
    apiKey: values['api-key'] ?? process.env.BIDTAPE_API_KEY,
    encoding,
  });
}

/** A non-negative integer argument (amounts in minor units, counts, sequence numbers). */
export function integer(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new UsageError(`--${name} must be a non-negative integer (got "${text}")`);
  return Number(text);
}

export function required<T>(name: string, value: T | undefined): T {
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}
