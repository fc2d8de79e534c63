/** What every bidtape command shares: exit codes, errors, argument parsing, connecting. */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import WebSocket from 'ws';
import { BidtapeClient } from '../src/index';

/** Exit codes of every command; 64, 69 and 75 are sysexits.h's EX_USAGE, EX_UNAVAILABLE, EX_TEMPFAIL. */
export const EXIT = { ok: 0, error: 1, rejected: 2, usage: 64, unavailable: 69, outcomeUnknown: 75 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_HELP = `Exit codes:
  0   success; bid: accepted
  1   error: the server answered with an Error (unknown auction, not allowed...), or anything
      unexpected
  2   rejected: bid rejected by the auction (reason on the output); keys: the admin API refused the
      admin token; replay: the server refused items
  64  usage: unknown command or option, missing option, a value the command line alone shows is bad
  69  unavailable: cannot connect to the server (the message names the URL)
  75  bid outcome unknown: no answer before the deadline; rerun with the printed clientBidId`;

/** A failure with its exit code, printed as one line without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

/** A command line that cannot work: printed with the command's usage, exit 64. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/**
 * node:util parseArgs, strict, with its errors (unknown option, missing value, unexpected
 * argument) as usage errors: their first sentence, lower-cased, is the message.
 */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs<T>({ strict: true, ...config });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) throw error;
    const message = (error as Error).message.split('. ')[0];
    throw new UsageError(message.charAt(0).toLowerCase() + message.slice(1));
  }
}

export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  bidder: { type: 'string' },
  token: { type: 'string' },
  'api-key': { type: 'string' },
  encoding: { type: 'string' },
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

/** The stream endpoint, checked: a ws:// or wss:// URL. */
export function streamUrl(values: ConnectionValues): string {
  const url = values.url ?? process.env.BIDTAPE_URL ?? 'ws://localhost:3000/v1/stream';
  if (!URL.canParse(url) || !['ws:', 'wss:'].includes(new URL(url).protocol)) throw new UsageError(`--url must be a ws:// or wss:// URL (got "${url}")`);
  return url;
}

/** A client of the stream, and `connect` for it that fails with exit 69 naming the URL and the cause. */
export function createClient(values: ConnectionValues): { client: BidtapeClient; connect: () => Promise<void>; url: string } {
  const encoding = values.encoding ?? 'proto';
  if (encoding !== 'proto' && encoding !== 'json') throw new UsageError(`--encoding must be proto or json (got "${encoding}")`);
  const url = streamUrl(values);
  // The SDK sees only the close code of a failed attempt (1006); the socket's error says why.
  let cause: string | null = null;
  class TracedWebSocket extends WebSocket {
    constructor(address: string, protocols: string | string[]) {
      super(address, protocols);
      this.on('error', (error) => (cause = error.message));
    }
  }
  const client = new BidtapeClient({
    url,
    WebSocket: TracedWebSocket,
    bidder: values.bidder ?? process.env.BIDTAPE_BIDDER,
    token: values.token ?? process.env.BIDTAPE_TOKEN,
    apiKey: values['api-key'] ?? process.env.BIDTAPE_API_KEY,
    encoding,
  });
  const connect = () =>
    client.connect().catch((error: Error) => {
      throw new CliError(`cannot connect to ${url}: ${cause ?? error.message}`, EXIT.unavailable);
    });
  return { client, connect, url };
}

/** The server's HTTP address for its REST API: --http, else the stream URL without /v1/stream. */
export function httpBase(values: ConnectionValues & { http?: string }): string {
  const stream = new URL(streamUrl(values));
  const base = values.http ?? `${stream.protocol === 'wss:' ? 'https:' : 'http:'}//${stream.host}${stream.pathname.replace(/\/v1\/stream\/?$/, '')}`;
  if (!URL.canParse(base) || !['http:', 'https:'].includes(new URL(base).protocol)) throw new UsageError(`--http must be an http:// or https:// URL (got "${base}")`);
  return base.replace(/\/$/, '');
}

/** fetch, failing with exit 69 naming the URL when the server cannot be reached. */
export async function fetchOrUnavailable(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    // undici's "fetch failed" says nothing; its cause (ECONNREFUSED...) does.
    const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
    throw new CliError(`cannot connect to ${url}: ${cause}`, EXIT.unavailable);
  }
}

/** A non-negative integer argument (counts, sequence numbers, milliseconds). */
export function integer(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new UsageError(`--${name} must be a non-negative integer (got "${text}")`);
  return Number(text);
}

export function required<T>(name: string, value: T | undefined): T {
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}
