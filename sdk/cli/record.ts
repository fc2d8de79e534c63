import { RecordingWriter } from '../src/recording';
import { CliError, CONNECTION_HELP, CONNECTION_OPTIONS, createClient, EXIT, fetchOrUnavailable, httpBase, integer, parseCommandLine, required, UsageError } from './common';
import type { ExitCode } from './common';

export const RECORD_USAGE = 'bidtape record --symbols BTC-USD,AAPL --out FILE [--duration S] [--count N]';

export const RECORD_HELP = `${RECORD_USAGE}

Records the live quotes and trades of the symbols, with their original seq, epoch and
timestamps, to FILE in the recording format of docs/recording.md (gzip of length-delimited
bidtape.v1.RecordEntry messages, a header naming the instruments and the source first).
Stops after --duration seconds, after --count items, or on Ctrl-C; exit 0 once the file is
complete. Progress goes to stderr as "# ..." lines; nothing is printed on stdout. Exit 1 when
a symbol is not in the server's catalogue or none can be subscribed, 64 usage, 69 cannot
connect.

  --symbols <list>     comma-separated symbols
  --out <file>         the recording to write (replaced if it exists)
  --duration <s>       stop after this many seconds
  --count <n>          stop after this many items (quotes and trades)

${CONNECTION_HELP}`;

export async function record(args: string[]): Promise<ExitCode> {
  const { values } = parseCommandLine({
    args,
    options: { ...CONNECTION_OPTIONS, symbols: { type: 'string' }, out: { type: 'string' }, duration: { type: 'string' }, count: { type: 'string' } },
  });
  const symbols = required('symbols', values.symbols).split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
  if (symbols.length === 0) throw new UsageError('--symbols needs at least one symbol');
  const out = required('out', values.out);
  const duration = integer('duration', values.duration);
  const count = integer('count', values.count) ?? Infinity;

  // The header names the instruments: read them first, from the server's catalogue.
  const { client, connect, url } = createClient(values);
  const catalogue = `${httpBase(values)}/v1/instruments`;
  const response = await fetchOrUnavailable(catalogue);
  if (!response.ok) throw new CliError(`${catalogue} answered ${response.status}: ${await response.text()}`, EXIT.error);
  const all = (await response.json()) as { symbol: string; displayName: string; priceScale: number; tickSize: number; sizeScale: number; lotSize: number; quoteCurrency: string }[];
  const instruments = all.filter((i) => symbols.includes(i.symbol));
  const missing = symbols.filter((s) => !instruments.some((i) => i.symbol === s));
  if (missing.length > 0) throw new CliError(`not in the server's catalogue: ${missing.join(', ')}`, EXIT.error);

  const writer = RecordingWriter.create(out, { source: url, instruments, startedTimeUs: Date.now() * 1000 });
  client.on('state', (state) => console.error(`# connection ${state}`));
  client.on('gap', (g) => console.error(`# gap on ${g.symbol}: expected seq ${g.expected}, got ${g.got} (${g.cause})`));
  process.once('SIGINT', () => client.close());
  if (duration !== undefined) setTimeout(() => client.close(), duration * 1000).unref();
  await connect();

  // Recorded in the order they arrive, from the client's events (iterators may merge ticks when behind).
  const full = () => writer.items >= count;
  const stored = (item: Parameters<RecordingWriter['write']>[0]) => {
    if (full()) return;
    writer.write({ receivedTimeUs: Date.now() * 1000, ...item });
    if (full()) client.close();
  };
  client.on('tick', (update) => {
    if (!update.snapshot) stored({ epoch: update.epoch, tick: update.tick });
  });
  client.on('trade', ({ epoch, ...trade }) => stored({ epoch, trade }));
  const subscription = client.subscribe(symbols, { maxRate: 0, trades: true });
  const result = await subscription.ready;
  if (result.symbols.length === 0) throw new CliError('none of the symbols could be subscribed', EXIT.error);
  console.error(`# recording ${result.symbols.join(',')} to ${out}`);
  try {
    // Drained only: the events above record.
    for await (const update of subscription) void update;
  } finally {
    client.close();
    await writer.close();
  }
  console.error(`# recorded ${writer.items} items to ${out}`);
  return EXIT.ok;
}
