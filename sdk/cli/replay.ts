import { pb } from '../src/index';
import type { PublishRequestInit } from '../src/index';
import { openRecording, replayPlan } from '../src/recording';
import { CONNECTION_HELP, CONNECTION_OPTIONS, createClient, EXIT, parseCommandLine, UsageError } from './common';
import type { ExitCode } from './common';

export const REPLAY_USAGE = 'bidtape replay FILE --api-key KEY [--speed 1|10|max] [--loop] [--from TIME] [--json]';

export const REPLAY_HELP = `${REPLAY_USAGE}

Publishes a recording (bidtape record) into a running server as a publisher: an API key with
feed:publish for the recorded symbols, made their active source (docs/protocol.md,
"Publishing"). Items are paced by the times they were recorded at, --speed times real time.
The server numbers them afresh; timestamps are moved by one offset (the time between the
recording's first item and now) so they pass the server's skew check. Progress and the first
refusals go to stderr as "# ..." lines; at the end stdout gets "published N items, M refused"
(with --json: {"accepted":N,"rejected":M}). Exit 0 when the recording has been published (with
--loop: never), 2 if the server refused items, 64 usage, 69 cannot connect.

  --speed <s>          1 (default), 10, any multiple of real time, or max
  --loop               start again at the end
  --from <time>        start at this time of the recording (ISO 8601)
  --json               the summary as JSON

${CONNECTION_HELP}`;

const BATCH = 500;

export async function replay(args: string[]): Promise<ExitCode> {
  const { values, positionals } = parseCommandLine({
    args,
    allowPositionals: true,
    options: { ...CONNECTION_OPTIONS, speed: { type: 'string', default: '1' }, loop: { type: 'boolean' }, from: { type: 'string' }, json: { type: 'boolean' } },
  });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError('replay needs exactly one recording file');
  const speed = values.speed === 'max' ? 'max' : Number(values.speed);
  if (speed !== 'max' && !(speed > 0)) throw new UsageError(`--speed must be a positive number or max (got "${values.speed}")`);
  const fromUs = values.from === undefined ? null : Date.parse(values.from) * 1000;
  if (fromUs !== null && Number.isNaN(fromUs)) throw new UsageError(`--from must be an ISO 8601 time (got "${values.from}")`);

  const { client, connect } = createClient(values);
  client.on('state', (state) => console.error(`# connection ${state}`));
  process.once('SIGINT', () => client.close());
  await connect();
  let accepted = 0;
  let rejected = 0;
  try {
    for (let pass = 1; ; pass++) {
      const { items } = await openRecording(file);
      const plan = replayPlan(speed, fromUs);
      const startedAt = performance.now();
      let offsetUs: number | null = null;
      let batch: PublishRequestInit = { quotes: [], trades: [] };
      const flush = async () => {
        if (batch.quotes!.length + batch.trades!.length === 0) return;
        const ack = await client.publish(batch);
        accepted += ack.accepted;
        rejected += ack.rejected.length;
        for (const r of ack.rejected.slice(0, 3)) console.error(`# refused ${r.kind === pb.PublishItemKind.PUBLISH_ITEM_KIND_QUOTE ? 'quote' : 'trade'} ${r.index}: ${r.message}`);
        batch = { quotes: [], trades: [] };
      };
      for await (const item of items) {
        const due = plan.dueAfterMs(Number(item.receivedTimeUs));
        if (due === null) continue;
        offsetUs ??= Date.now() * 1000 - Number(item.receivedTimeUs);
        const wait = due - (performance.now() - startedAt);
        if (wait > 1) {
          await flush();
          await new Promise((r) => setTimeout(r, wait));
        }
        if (item.tick) {
          const t = item.tick;
          batch.quotes!.push({ symbol: t.symbol, bidPrice: t.bidPrice, askPrice: t.askPrice, bidSize: t.bidSize, askSize: t.askSize, timestampUs: Number(t.timestampUs) + offsetUs });
        } else if (item.trade) {
          const t = item.trade;
          // Trade ids stay unique per source over loops.
          const tradeId = pass === 1 ? t.tradeId : `${t.tradeId}#${pass}`;
          batch.trades!.push({ symbol: t.symbol, tradeId, price: t.price, size: t.size, aggressorSide: t.aggressorSide, timestampUs: Number(t.timestampUs) + offsetUs });
        }
        if (batch.quotes!.length + batch.trades!.length >= BATCH) await flush();
      }
      await flush();
      console.error(`# replay pass ${pass}: ${accepted} accepted, ${rejected} refused so far`);
      if (!values.loop) break;
    }
  } finally {
    client.close();
  }
  console.log(values.json ? JSON.stringify({ accepted, rejected }) : `published ${accepted} items, ${rejected} refused`);
  return rejected > 0 ? EXIT.rejected : EXIT.ok;
}
