import type { AuctionEvent, AuctionWatch, TickUpdate } from '../src/index';
import { CliError, CONNECTION_HELP, CONNECTION_OPTIONS, createClient, EXIT, integer, parseCommandLine, UsageError } from './common';
import type { ExitCode } from './common';
import { auctionSnapshotLine, bidLine, closedLine, errorCodeName, outbidLine, Table, tickLine } from './format';

export const TAIL_USAGE = `bidtape tail --symbols BTC-USD,AAPL [--rate N] [--json | --format json|table] [--count N]
bidtape tail --auction <id> [--from-seq N] [--count N]`;

export const TAIL_HELP = `${TAIL_USAGE}

Subscribes and prints every decoded update until Ctrl-C: one JSON object per line (default), or
with --format table a live table of the symbols. Prices are exact decimals (minor units scaled by
the instrument's or the auction's price scale); enum values are names (status OPEN, kind BID).
Both --symbols and --auction may be given.

  --symbols <list>     comma-separated symbols; a snapshot of each comes first
  --rate <n>           updates per second per symbol; 0: every update (default: the server's, 10)
  --auction <id>       watch an auction: its state, every bid in order, its close
  --from-seq <n>       with --auction: replay the bids after seq n first (0: the whole history)
  --json               one JSON object per line (the default; the same as --format json)
  --format <f>         json (default) or table
  --count <n>          exit after n updates

Connection state changes and gaps are reported on stderr as "# ..." lines. Exit code: 0 after
Ctrl-C or --count updates, 1 when the server refuses every symbol or the auction, 64 usage, 69
cannot connect.

${CONNECTION_HELP}`;

export async function tail(args: string[]): Promise<ExitCode> {
  const { values } = parseCommandLine({
    args,
    options: {
      ...CONNECTION_OPTIONS,
      symbols: { type: 'string' },
      rate: { type: 'string' },
      auction: { type: 'string' },
      'from-seq': { type: 'string' },
      format: { type: 'string' },
      json: { type: 'boolean' },
      count: { type: 'string' },
    },
  });
  const symbols = values.symbols?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
  if (symbols.length === 0 && !values.auction) throw new UsageError('tail needs --symbols or --auction');
  const format = values.format ?? 'json';
  if (format !== 'json' && format !== 'table') throw new UsageError(`--format must be json or table (got "${format}")`);
  if (values.json && format !== 'json') throw new UsageError(`--json and --format ${format} contradict each other`);
  const rate = integer('rate', values.rate);
  const fromSeq = integer('from-seq', values['from-seq']);
  const count = integer('count', values.count) ?? Infinity;
  if (fromSeq !== undefined && !values.auction) throw new UsageError('--from-seq goes with --auction');

  const { client, connect } = createClient(values);
  const table = format === 'table' ? new Table(process.stdout) : null;
  client.on('state', (state) => console.error(`# connection ${state}`));
  client.on('gap', (g) => console.error(`# gap on ${g.symbol}: expected seq ${g.expected}, got ${g.got} (${g.cause})`));
  client.on('error', (e) => console.error(`# server error ${errorCodeName(e.code)}: ${e.message}`));
  client.on('slowConsumer', (w) => console.error(`# slow consumer: ${w.bufferedBytes} bytes queued, conflated to ${w.maxRate}/s`));
  process.once('SIGINT', () => client.close());
  await connect();

  let printed = 0;
  const print = (line: Record<string, unknown>) => {
    if (printed >= count) return;
    console.log(JSON.stringify(line));
    if (++printed >= count) client.close(); // ends the loops below
  };
  let watch: AuctionWatch | null = null;
  const scaleOf = (auctionId: string) => (watch?.auctionId === auctionId ? (watch.state?.priceScale ?? null) : null);
  client.on('outbid', (o) => (table ? table.note(`outbid ${o.auctionId}`, `outbid on ${o.auctionId} at seq ${o.seq}`) : print(outbidLine(o, scaleOf(o.auctionId)))));

  const ticks = async () => {
    const subscription = client.subscribe(symbols, rate === undefined ? {} : { maxRate: rate });
    const result = await subscription.ready;
    for (const r of result.rejected) console.error(`# not subscribed: ${r.symbols.join(',')} (${r.message})`);
    if (result.symbols.length === 0) throw new CliError('none of the symbols could be subscribed', EXIT.error);
    console.error(`# subscribed ${result.symbols.join(',')} at ${result.maxRate === 0 ? 'every update' : `${result.maxRate}/s per symbol`}`);
    for await (const update of subscription) showTick(update);
  };
  const showTick = (update: TickUpdate) => {
    if (!table) return print(tickLine(update));
    table.tick(update);
    if (++printed >= count) client.close();
  };
  const auction = async (auctionId: string) => {
    const watching = client.watchAuction(auctionId, fromSeq === undefined ? {} : { fromSeq });
    watch = watching;
    for await (const event of watching) showAuction(event, watching.state?.priceScale ?? 0);
  };
  const showAuction = (event: AuctionEvent, scale: number) => {
    const line = event.kind === 'snapshot' ? auctionSnapshotLine(event.state) : event.kind === 'bid' ? bidLine(event.update, scale) : closedLine(event.closed, scale);
    if (!table) return print(line);
    table.note(`auction ${String(line.auctionId)}`, `auction ${String(line.auctionId)}: ${JSON.stringify(line)}`);
    if (++printed >= count) client.close();
  };

  try {
    await Promise.all([symbols.length > 0 ? ticks() : null, values.auction ? auction(values.auction) : null]);
  } finally {
    client.close();
  }
  return EXIT.ok;
}
