/**
 * bidtape command-line tool: tail the feed, place a bid, manage partner API keys.
 * Run `bidtape --help` (or `npm run cli -- --help` in this repository).
 */
import { parseArgs } from 'node:util';
import { BidtapeClient, formatMinor } from '../src/index';
import type { TickUpdate } from '../src/index';

const USAGE = `bidtape <command> [options]

Commands:
  tail   subscribe and print decoded messages (JSON lines or a live table)
  bid    place a bid and print the answer
  keys   create, list and revoke partner API keys (admin API)

Common options:
  --url <ws url>        stream endpoint (default ws://localhost:3000/v1/stream)
  --bidder <handle>     development identity        --token <jwt>   bearer token
  --api-key <key>       partner API key             -h, --help      help for a command`;

const HELP: Record<string, string> = {
  tail: `bidtape tail --symbols BTC-USD,AAPL [--rate 10] [--format json|table] [--count N]
bidtape tail --auction <id> [--from-seq N] [--count N]

Prints one JSON object per update (prices as exact decimals next to the integer fields),
or with --format table a live table of the symbols. --rate is updates per second per
symbol (0: every update). --count exits after N updates.`,
  bid: `bidtape bid --bidder alice --auction <id> --amount 1050 [--max 3000] [--client-bid-id X]

Amounts are integers in minor units (cents for EUR with price scale 2). Prints the answer as
JSON. Exit code 0: accepted, 2: rejected, 1: error. The bid is retried with the same client
bid id if the connection drops, so it is never placed twice.`,
  keys: `bidtape keys create --name acme --scopes feed:read[,bid:write]
bidtape keys list
bidtape keys revoke <id>

Uses the admin API at --http (default: derived from --url) with --admin-token or the
BIDTAPE_ADMIN_TOKEN environment variable. The key is printed once, at creation.`,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      url: { type: 'string', default: 'ws://localhost:3000/v1/stream' },
      bidder: { type: 'string' },
      token: { type: 'string' },
      'api-key': { type: 'string' },
      symbols: { type: 'string' },
      rate: { type: 'string' },
      format: { type: 'string', default: 'json' },
      count: { type: 'string' },
      auction: { type: 'string' },
      'from-seq': { type: 'string' },
      amount: { type: 'string' },
      max: { type: 'string' },
      'client-bid-id': { type: 'string' },
      http: { type: 'string' },
      'admin-token': { type: 'string' },
      name: { type: 'string' },
      scopes: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 1;
  }
  if (!(command in HELP)) {
    console.error(`unknown command "${command}"\n\n${USAGE}`);
    return 1;
  }
  if (values.help) {
    console.log(HELP[command]);
    return 0;
  }
  const client = () => new BidtapeClient({ url: values.url, bidder: values.bidder, token: values.token, apiKey: values['api-key'] });
  const count = values.count ? Number(values.count) : Infinity;

  if (command === 'tail') {
    const c = client();
    await c.connect();
    c.on('state', (state) => console.error(`# connection ${state}`));
    c.on('gap', (gap) => console.error(`# gap on ${gap.symbol}: expected ${gap.expected}, got ${gap.got}`));
    let seen = 0;
    if (values.auction) {
      const fromSeq = values['from-seq'] !== undefined ? Number(values['from-seq']) : undefined;
      for await (const event of c.watchAuction(values.auction, { fromSeq })) {
        console.log(JSON.stringify(event));
        if (++seen >= count) break;
      }
    } else {
      if (!values.symbols) throw new Error('tail needs --symbols or --auction (see bidtape tail --help)');
      const scales = new Map<string, number>();
      const rows = new Map<string, TickUpdate>();
      const rate = values.rate !== undefined ? Number(values.rate) : undefined;
      for await (const update of c.subscribe(values.symbols.split(','), { maxRate: rate })) {
        if (update.instrument) scales.set(update.symbol, update.instrument.priceScale ?? 0);
        const scale = scales.get(update.symbol) ?? 0;
        if (values.format === 'table') {
          rows.set(update.symbol, update);
          printTable(rows, scales);
        } else {
          const t = update.tick;
          console.log(JSON.stringify({
            symbol: update.symbol, seq: t.seq, firstSeq: t.firstSeq, snapshot: update.snapshot,
            bid: formatMinor(Number(t.bidPrice), scale), ask: formatMinor(Number(t.askPrice), scale), last: formatMinor(Number(t.lastPrice), scale),
            timestampUs: t.timestampUs,
          }));
        }
        if (++seen >= count) break;
      }
    }
    c.close();
    return 0;
  }

  if (command === 'bid') {
    if (!values.auction || !values.amount) throw new Error('bid needs --auction and --amount (see bidtape bid --help)');
    const c = client();
    await c.connect();
    const answer = await c.placeBid({
      auctionId: values.auction,
      amount: Number(values.amount),
      maxAmount: values.max ? Number(values.max) : undefined,
      clientBidId: values['client-bid-id'],
    });
    console.log(JSON.stringify(answer));
    c.close();
    return answer.accepted ? 0 : 2;
  }

  // keys
  const http = values.http ?? values.url.replace(/^ws/, 'http').replace(/\/v1\/stream.*$/, '');
  const adminToken = values['admin-token'] ?? process.env.BIDTAPE_ADMIN_TOKEN;
  if (!adminToken) throw new Error('keys needs --admin-token or BIDTAPE_ADMIN_TOKEN');
  const [action, id] = positionals;
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${http}/v1/admin/keys${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`admin API answered ${response.status}: ${text}`);
    return text;
  };
  if (action === 'create') {
    if (!values.name || !values.scopes) throw new Error('keys create needs --name and --scopes');
    console.log(await call('POST', '', { name: values.name, scopes: values.scopes.split(',') }));
  } else if (action === 'list') {
    console.log(await call('GET', ''));
  } else if (action === 'revoke' && id) {
    await call('DELETE', `/${id}`);
    console.log(JSON.stringify({ revoked: id }));
  } else {
    console.error(HELP.keys);
    return 1;
  }
  return 0;
}

function printTable(rows: Map<string, TickUpdate>, scales: Map<string, number>): void {
  const lines = ['SYMBOL      BID             ASK             LAST            SEQ'];
  for (const [symbol, { tick }] of rows) {
    const scale = scales.get(symbol) ?? 0;
    const cell = (v: unknown) => formatMinor(Number(v), scale).padEnd(16);
    lines.push(`${symbol.padEnd(12)}${cell(tick.bidPrice)}${cell(tick.askPrice)}${cell(tick.lastPrice)}${String(tick.seq)}`);
  }
  process.stdout.write(`\x1b[H\x1b[2J${lines.join('\n')}\n`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`bidtape: ${(error as Error).message}`);
    process.exit(1);
  },
);
